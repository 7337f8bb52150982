// fuse.enable_uring: turned on for a run when we may, restored afterwards, even after a kill -9.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { processAlive } from './procfs.js';

export const PARAM = '/sys/module/fuse/parameters/enable_uring';
export const SAVED = '/run/furc-enable_uring.saved';


export function readParam(): 'Y' | 'N' | null {
  try { return readFileSync(PARAM, 'utf8').trim() === 'Y' ? 'Y' : 'N'; } catch { return null; }
}

export function writeParam(v: 'Y' | 'N'): void { writeFileSync(PARAM, v); }

/** Restores a value an interrupted run left behind; returns the sentence saying what it restored. */
export function restoreLeftover(): string | null {
  if (!existsSync(SAVED)) return null;
  const [orig, pid] = readFileSync(SAVED, 'utf8').trim().split(/\s+/);
  if (pid && processAlive(Number(pid)) && Number(pid) !== process.pid) return null;
  if (orig === 'Y' || orig === 'N') writeParam(orig);
  rmSync(SAVED, { force: true });
  return `restored fuse.enable_uring=${orig} left by an interrupted run (pid ${pid})`;
}

/** Records the current value so it can be restored; call restore() when the run ends. */
export function remember(): void {
  const cur = readParam();
  if (cur && !existsSync(SAVED)) writeFileSync(SAVED, `${cur} ${process.pid}\n`);
}

export function restore(): void {
  if (!existsSync(SAVED)) return;
  const [orig] = readFileSync(SAVED, 'utf8').trim().split(/\s+/);
  if (orig === 'Y' || orig === 'N') writeParam(orig);
  rmSync(SAVED, { force: true });
}

/** Why the kernel target cannot run here, or null. */
export function unavailableReason(): string | null {
  // One job at a time may drive this machine's FUSE: another job (or a helper) can keep its hands off with this.
  if (process.env.FURC_NO_KERNEL === '1') return 'FURC_NO_KERNEL=1: kernel cases are turned off for this run';
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): kernel cases need mount(2) and ${PARAM}; run as root`;
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing: modprobe fuse';
  // A kernel without the parameter still runs: detection then reports FUSE-over-io_uring absent, with the evidence.
  return null;
}
