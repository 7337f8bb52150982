// FairDeadline: wall time less the time the awaited task spent waiting for a CPU, as the kernel's schedstat counts it.
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FairDeadline } from './fairDeadline.js';

const spin = (): ResultPromise => execa('taskset', ['-c', '0', 'sh', '-c', 'while :; do :; done'], { reject: false });
const until = async (d: FairDeadline, pids: number[]): Promise<number> => {
  const t0 = Date.now();
  while (!d.expired(pids)) await new Promise((r) => setTimeout(r, 5));
  return Date.now() - t0;
};

describe.skipIf(!existsSync('/proc/thread-self/schedstat'))('FairDeadline', () => {
  const kids: ResultPromise[] = [];
  afterEach(() => { for (const k of kids.splice(0)) k.kill('SIGKILL'); });

  it('should expire 150 ms after it starts when the awaited task sleeps (it never waits for a CPU)', async () => {
    const sleeper = execa('sleep', ['30'], { reject: false });
    kids.push(sleeper);
    const d = new FairDeadline(150);
    expect(await until(d, [sleeper.pid!])).toBeGreaterThanOrEqual(150);
  });

  it('should not expire before 300 ms for a 150 ms deadline when its task shares one CPU with two others (a third of the CPU)', async () => {
    const target = spin(), a = spin(), b = spin();
    kids.push(target, a, b);
    const d = new FairDeadline(150, 10_000);
    const wall = await until(d, [target.pid!]);
    expect(d.starvedMs([target.pid!])).toBeGreaterThan(0);
    expect(wall).toBeGreaterThanOrEqual(300);
  });

  it('should still expire at its cap of 400 ms however starved the task is', async () => {
    const target = spin(), a = spin(), b = spin();
    kids.push(target, a, b);
    const d = new FairDeadline(10_000, 400);
    const wall = await until(d, [target.pid!]);
    expect(wall).toBeGreaterThanOrEqual(400);
    expect(wall).toBeLessThan(10_000);
  });
});
