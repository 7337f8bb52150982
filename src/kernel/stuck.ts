// What a stuck worker is doing in the kernel, and how its connections are ended from outside its mount namespace.
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';

const read = (p: string): string => { try { return readFileSync(p, 'utf8').trim(); } catch (e) { return `(${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`; } };

/** Every task of `pid` and of its descendants: state, wchan and the kernel stack (/proc/<pid>/task/<tid>/stack, root only). */
export function blockedStacks(pid: number, depth = 0): string {
  let tids: string[];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return `pid ${pid}: gone`; }
  const out: string[] = [];
  for (const tid of tids) {
    const stat = read(`/proc/${pid}/task/${tid}/stat`);
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    // Threads asleep in user space (Node's helper threads in futex) say nothing about the kernel: only show the others.
    const wchan = read(`/proc/${pid}/task/${tid}/wchan`);
    if (tid !== String(pid) && (/futex|epoll/.test(wchan) || wchan === '0' || state === 'R')) continue;
    const comm = read(`/proc/${pid}/task/${tid}/comm`);
    const stack = read(`/proc/${pid}/task/${tid}/stack`).split('\n').map((l) => `    ${l}`).join('\n');
    out.push(`  ${'  '.repeat(depth)}task ${tid} (${comm}) state ${state} wchan ${wchan}\n${stack}`);
  }
  const children = tids.flatMap((t) => read(`/proc/${pid}/task/${t}/children`).split(/\s+/).filter((c) => /^\d+$/.test(c)));
  for (const c of children) out.push(blockedStacks(Number(c), depth + 1));
  return out.join('\n');
}

/** Writes fusectl's abort for each connection id; fusectl is mounted in a throwaway mount namespace for it. */
export async function abortConnections(ids: readonly number[]): Promise<string> {
  if (ids.length === 0) return 'no open connection to abort';
  const script = 'mountpoint -q /sys/fs/fuse/connections || mount -t fusectl fusectl /sys/fs/fuse/connections; '
    + 'for c in "$@"; do [ -e /sys/fs/fuse/connections/$c/abort ] && echo 1 > /sys/fs/fuse/connections/$c/abort; done; true';
  const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...ids.map(String)], { reject: false, timeout: 5000 });
  return r.exitCode === 0 ? `fusectl abort written for connection ${ids.join(', ')}` : `fusectl abort of ${ids.join(', ')} failed: ${r.stderr || r.shortMessage}`;
}
