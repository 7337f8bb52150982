// What /proc and fusectl say about clients and connections, read without touching the FUSE mount.
import { readFileSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';

export class ProcfsError extends Error {}

/** Whether a process exists (EPERM: it exists but is not ours). */
export const processAlive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
};

/** A client asleep in one of FUSE's waits (state S or D, wchan in fuse code); an exited one counts as settled. */
export function sleepingInFuse(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z') return true;
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    return (state === 'S' || state === 'D') && /fuse|request_wait/.test(wchan);
  } catch { return true; }
}

/** The fusectl connection id of a mount: its st_dev minor, read from mountinfo (no stat: that would send GETATTR). */
export function connectionId(dir: string): number {
  // The fuse mount, not the tmpfs the harness puts under it at the same point.
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === dir && l.split(' - ')[1]?.startsWith('fuse '));
  if (!line) throw new ProcfsError(`mount ${dir} not in /proc/self/mountinfo`);
  const [major, minor] = line.split(' ')[2]!.split(':').map(Number);
  return ((major! & 0xfff) << 20) | minor!;
}

/** fusectl is mounted inside the worker's private mount namespace, so it goes away with it. */
export function ensureFusectl(p: NativeProbe): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.includes(' - fusectl '));
  if (!mounted) p.mount('fusectl', '/sys/fs/fuse/connections', 'fusectl', 0, '');
}
