// Mount points live under one directory per worker pid, so a killed worker's leftovers can be told from a live one's.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { processAlive } from './procfs.js';

const ROOT = '/tmp';
const PREFIX = 'furc-w';


/** A fresh mount point for this process. */
export function newMountDir(): string {
  const base = `${ROOT}/${PREFIX}${process.pid}`;
  mkdirSync(base, { recursive: true });
  return mkdtempSync(`${base}/m-`);
}

/** Removes the directories of workers that are gone (their mount namespace, and so their mounts, went with them). */
export function sweepDeadWorkers(): string[] {
  const removed: string[] = [];
  for (const d of readdirSync(ROOT)) {
    const m = new RegExp(`^${PREFIX}(\\d+)$`).exec(d);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(`${ROOT}/${d}`, { recursive: true, force: true });
    removed.push(`${ROOT}/${d}`);
  }
  return removed;
}

/** This process's own directory, when it exits cleanly. */
export function removeOwnMountDir(): void { removeMountDirOf(process.pid); }

/** A worker's directory once it is killed: seen from outside its namespace the mount points are plain empty dirs. */
export function removeMountDirOf(pid: number): void { rmSync(`${ROOT}/${PREFIX}${pid}`, { recursive: true, force: true }); }
