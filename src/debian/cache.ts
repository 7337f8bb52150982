// The kernel cache outside the repo: one directory per build, written under a temporary name and renamed, bounded in size.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../kernel/procfs.js';

/** The same root .ci/fetch-kernel and the vm tests use. */
export const cacheRoot = (): string => process.env.FURC_CACHE ?? '/var/cache/furc';
export const debianDir = (root = cacheRoot()) => join(root, 'debian');

/** What a finished entry holds; `entry.json` is written last, so an entry without it is not one. */
export interface Entry {
  readonly id: string;
  readonly release: string;
  readonly upstream: string;
  readonly suite: string;
  readonly packageVersion: string;
  /** Paths relative to the entry directory. */
  readonly kernel: string;
  readonly modules: string | null;
  readonly header: string | null;
  readonly fetchedAt: string;
}

export interface CachedEntry extends Entry { readonly dir: string }

const TMP = '.tmp-';

export function lookup(id: string, root = cacheRoot()): CachedEntry | null {
  const dir = join(debianDir(root), id);
  try {
    const e = JSON.parse(readFileSync(join(dir, 'entry.json'), 'utf8')) as Entry;
    return { ...e, dir };
  } catch { return null; }
}

/** Marks an entry as used now: pruning removes the least recently used first. */
export function touch(e: CachedEntry): void {
  const now = new Date();
  try { utimesSync(join(e.dir, 'entry.json'), now, now); } catch { /* read-only cache: pruning order is only a preference */ }
}

/** A work directory inside the cache (same filesystem, so the final rename is atomic), named after this process. */
export function newTemp(root = cacheRoot()): string {
  mkdirSync(debianDir(root), { recursive: true });
  return mkdtempSync(join(debianDir(root), `${TMP}${process.pid}-`));
}

/** Moves a finished temp directory into place; if another process finished the same build first, its copy stays. */
export function commit(tmp: string, e: Entry, root = cacheRoot()): CachedEntry {
  writeFileSync(join(tmp, 'entry.json'), JSON.stringify(e, null, 2) + '\n');
  const dir = join(debianDir(root), e.id);
  try { renameSync(tmp, dir); } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!lookup(e.id, root)) throw err;
  }
  return { ...e, dir };
}

function bytes(p: string): number {
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, f) => n + bytes(join(p, f)), 0);
}

export interface PruneResult { readonly removed: readonly string[]; readonly kept: readonly string[]; readonly bytes: number }

/**
 * Removes temp directories of processes that are gone and entries that never got their entry.json, then the least
 * recently used entries (never one in `keep`) until the cache holds at most maxBytes.
 */
export function prune(maxBytes: number, keep: ReadonlySet<string> = new Set(), root = cacheRoot()): PruneResult {
  const dir = debianDir(root);
  if (!existsSync(dir)) return { removed: [], kept: [], bytes: 0 };
  const removed: string[] = [];
  const entries: { id: string; used: number; size: number }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.startsWith(TMP)) {
      if (!processAlive(Number(name.slice(TMP.length).split('-')[0]))) { rmSync(p, { recursive: true, force: true }); removed.push(name); }
      continue;
    }
    const stamp = statSync(join(p, 'entry.json'), { throwIfNoEntry: false });
    if (!stamp) { rmSync(p, { recursive: true, force: true }); removed.push(name); continue; }
    entries.push({ id: name, used: stamp.mtimeMs, size: bytes(p) });
  }
  let total = entries.reduce((n, e) => n + e.size, 0);
  for (const e of [...entries].sort((a, b) => a.used - b.used)) {
    if (total <= maxBytes) break;
    if (keep.has(e.id)) continue;
    rmSync(join(dir, e.id), { recursive: true, force: true });
    removed.push(e.id);
    total -= e.size;
  }
  return { removed, kept: entries.map((e) => e.id).filter((id) => !removed.includes(id)), bytes: total };
}

/** "8G", "500M", "1.5G" or plain bytes. */
export function parseSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)i?B?$/i.exec(s.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()));
}
