// fuse.enable_uring: reading and writing the switch (paramLock.ts decides who may), and why a kernel target cannot run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const PARAM = '/sys/module/fuse/parameters/enable_uring';


export function readParam(): 'Y' | 'N' | null {
  try { return readFileSync(PARAM, 'utf8').trim() === 'Y' ? 'Y' : 'N'; } catch { return null; }
}

export function writeParam(v: 'Y' | 'N'): void { writeFileSync(PARAM, v); }

/** Why the kernel target cannot run here, or null. */
export function unavailableReason(): string | null {
  // One job at a time may drive this machine's FUSE: another job (or a helper) can keep its hands off with this.
  if (process.env.FURC_NO_KERNEL === '1') return 'FURC_NO_KERNEL=1: kernel cases are turned off for this run';
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): kernel cases need mount(2) and ${PARAM}; run as root`;
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing: modprobe fuse';
  // A kernel without the parameter still runs: detection then reports FUSE-over-io_uring absent, with the evidence.
  return null;
}
