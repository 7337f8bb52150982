// What /proc and fusectl say about clients and connections, read without touching the FUSE mount.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';

export class ProcfsError extends Error {}

const held = new Map<string, number>();
const HELD_MAX = 256;
const scratch = Buffer.allocUnsafe(4096);

function readHeld(path: string): string {
  let fd = held.get(path);
  if (fd === undefined) {
    if (held.size >= HELD_MAX) { for (const f of held.values()) closeSync(f); held.clear(); }
    fd = openSync(path, 'r');
    held.set(path, fd);
  }
  try { return scratch.toString('latin1', 0, readSync(fd, scratch, 0, scratch.length, 0)); } catch (e) { held.delete(path); closeSync(fd); throw e; }
}

/**
 * A small /proc file read again and again (a task's stat, wchan, schedstat, comm), or null when it cannot be read: its fd
 * stays open and each read at offset 0 regenerates it. A held fd names the task it was opened for, so when that task is
 * gone (ESRCH) the path is opened afresh once: a new task with the same pid is read, not taken for the old one's exit.
 */
export function readProc(path: string): string | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    const wasHeld = held.has(path);
    try { return readHeld(path); } catch { if (!wasHeld) return null; }
  }
  return null;
}

/** Whether a process exists (EPERM: it exists but is not ours). */
export const processAlive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
};

/** A client asleep in one of FUSE's waits (state S or D, wchan in fuse code); an exited one counts as settled. */
export function sleepingInFuse(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return true;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z') return true;
  const wchan = readProc(`/proc/${pid}/wchan`);
  if (wchan === null) return true;
  return (state === 'S' || state === 'D') && /fuse|request_wait/.test(wchan.trim());
}

/** The fusectl connection id of a mount: its st_dev minor, read from mountinfo (no stat: that would send GETATTR). */
export function connectionId(dir: string): number {
  // The fuse mount, not the tmpfs the harness puts under it at the same point.
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === dir && l.split(' - ')[1]?.startsWith('fuse '));
  if (!line) throw new ProcfsError(`mount ${dir} not in /proc/self/mountinfo`);
  const [major, minor] = line.split(' ')[2]!.split(':').map(Number);
  return ((major! & 0xfff) << 20) | minor!;
}

let fusectlSeen = false;

/** fusectl is mounted inside the worker's private mount namespace, so it goes away with it. */
export function ensureFusectl(p: NativeProbe): void {
  // Nothing else mounts or unmounts in the worker's namespace: once seen there, it stays.
  if (fusectlSeen) return;
  fusectlSeen = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.includes(' - fusectl '));
  if (!fusectlSeen) fusectlSeen = p.mount('fusectl', '/sys/fs/fuse/connections', 'fusectl', 0, '') === 0;
}
