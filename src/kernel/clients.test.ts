// blockedIn: one read of a task's wchan says whether it runs ('') or sleeps (where), and null once it is gone.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { blockedIn, inServerWait, taskState } from './clients.js';

/** Whether `f` came true within `ms`. */
const within = async (ms: number, f: () => boolean): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!f()) { if (Date.now() > end) return false; await new Promise((r) => setTimeout(r, 5)); }
  return true;
};

describe('blockedIn', () => {
  it("should read a child in sleep 30 as blocked in a nanosleep function whose state is S, a spinning child as '', and null once reaped", async () => {
    const sleeper = execa('sleep', ['30'], { reject: false });
    expect(await within(2000, () => /nanosleep/.test(blockedIn(sleeper.pid!) ?? ''))).toBe(true);
    expect(taskState(sleeper.pid!).state).toBe('S');
    expect(inServerWait(blockedIn(sleeper.pid!))).toBe(false);
    const spinner = execa('sh', ['-c', 'while :; do :; done'], { reject: false });
    // A spinning shell is running or runnable at every read: no wchan.
    expect(await within(2000, () => blockedIn(spinner.pid!) === '')).toBe(true);
    for (const c of [sleeper, spinner]) { c.kill('SIGKILL'); await c; }
    expect(blockedIn(sleeper.pid!)).toBeNull();
    expect(blockedIn(spinner.pid!)).toBeNull();
  });

  it('should take request_wait_answer and fuse_get_dev for FUSE waits, and not do_nanosleep, an empty wchan or a gone task', () => {
    expect(['request_wait_answer', 'fuse_get_dev'].map(inServerWait)).toEqual([true, true]);
    expect(['do_nanosleep', '', null].map(inServerWait)).toEqual([false, false, false]);
  });
});
