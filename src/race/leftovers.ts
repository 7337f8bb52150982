// What a race run may leave behind, checked after its worker is gone: mounts, connections, processes, enable_uring.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { processAlive } from '../kernel/procfs.js';

export interface Leftovers {
  /** furc's FUSE mounts still in this mount namespace. */
  readonly mounts: readonly string[];
  /** Connections the run made that fusectl still lists. */
  readonly connections: readonly number[];
  /** fusectl's connection count before and after the run (other users of FUSE move it too). */
  readonly fusectl: { readonly before: number | null; readonly after: number | null };
  readonly processes: readonly number[];
  readonly mountDirs: readonly string[];
}

/** fusectl's connection ids, read in a throwaway mount namespace (fusectl may not be mounted here); null when unreadable. */
export async function fusectlIds(): Promise<number[] | null> {
  const script = 'mountpoint -q /sys/fs/fuse/connections || mount -t fusectl fusectl /sys/fs/fuse/connections || exit 3; ls /sys/fs/fuse/connections';
  const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { reject: false, timeout: 5000 });
  return r.exitCode === 0 ? r.stdout.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number) : null;
}

export function furcMounts(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - fuse(\.\S+)? furc /.test(l)).map((l) => l.split(' ')[4]!);
  } catch { return []; }
}

export async function leftovers(o: { conns: readonly number[]; pids: readonly number[]; fusectlBefore: number | null }): Promise<Leftovers> {
  const ids = await fusectlIds();
  return {
    mounts: furcMounts(),
    connections: ids === null ? [] : o.conns.filter((c) => ids.includes(c)),
    fusectl: { before: o.fusectlBefore, after: ids?.length ?? null },
    processes: o.pids.filter(processAlive),
    mountDirs: o.pids.map((p) => `/tmp/furc-w${p}`).filter(existsSync),
  };
}

export const leftBehind = (l: Leftovers): boolean =>
  l.mounts.length > 0 || l.connections.length > 0 || l.processes.length > 0 || l.mountDirs.length > 0;
