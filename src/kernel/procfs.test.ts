// readProc: a /proc file kept open is read afresh each time, and a task that is gone reads as null.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readProc } from './procfs.js';

const state = (pid: number): string | null => {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
};
/** Whether `f` came true within `ms`. */
const within = async (ms: number, f: () => boolean): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!f()) { if (Date.now() > end) return false; await new Promise((r) => setTimeout(r, 5)); }
  return true;
};

describe('readProc', () => {
  it('should read a sleeping child as S, the same child stopped as T, and null once it has exited and been reaped', async () => {
    const child = execa('sleep', ['30'], { reject: false });
    const pid = child.pid!;
    expect(await within(2000, () => state(pid) === 'S')).toBe(true);
    process.kill(pid, 'SIGSTOP');
    // Through the same open file: a stale read would keep saying S.
    expect(await within(2000, () => state(pid) === 'T')).toBe(true);
    child.kill('SIGKILL');
    await child;
    expect(state(pid)).toBeNull();
  });

  it('should give null for a path that does not exist', () => {
    expect(readProc('/proc/self/task/0/stat')).toBeNull();
  });
});
