// furc race judges itself: a deliberately wrong model must yield a finding, and a held-back teardown a hang report
// with the stuck clients' kernel stacks; both on this machine's kernel.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { ROOT } from '../../src/paths.js';

const why = KernelTarget.unavailable();
const race = (...args: string[]) => execa(process.execPath, [`${ROOT}dist/src/cli/furc.js`, 'race', '--target', 'kernel', '--seed', '1', ...args], { reject: false, timeout: 120_000 });

describe('furc race against its own mistakes (kernel)', () => {
  it('should report a finding and exit 1 when judged by a model that says a REGISTER racing an abort leaves its clients -ECONNABORTED', async (ctx) => {
    if (why) return ctx.skip(why);
    // One iteration agrees with the wrong model about one time in seven (both clients caught -ECONNABORTED): ten make a miss ~1e-8.
    const r = await race('--mutant', 'refused-with-econnaborted', '--scenario', 'register-vs-abort', '--iterations', '10');
    expect(r.exitCode, r.stderr).toBe(1);
    // Which CPU's client (or both) the abort catches first is the race's; the wrong model expects -ECONNABORTED (7.3-style).
    expect(r.stdout).toMatch(/^finding: register-vs-abort iteration \d+: outcome the model does not allow: [^(]*client@cpu\d -ENOTCONN[^(]* \(model: [^)]*client@cpu\d -ECONNABORTED[^)]*\)/m);
  });

  it('should report a hang with request_wait_answer in the kernel stack when the teardown abort of first-register is held back', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await race('--inject-stall', 'client', '--scenario', 'first-register', '--iterations', '1');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^finding: first-register iteration 0: hang: clients .* still inside the kernel \d+ ms with the teardown abort held back/m);
    expect(r.stdout).toMatch(/\[<0>\] request_wait_answer\+/);
    expect(r.stdout).toMatch(/^left behind: 0 mounts, 0 of the run's connections .*, 0 processes, 0 mount dirs/m);
  });
});
