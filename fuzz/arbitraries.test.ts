// Step arbitraries are built once per revision and length and shared by every prefix: what one caller draws must not
// depend on which prefix another caller gave.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toWire } from '../src/kernel/wire.js';
import { arbSteps, type Step } from './arbitraries.js';

const PREFIX: Step[] = [{ kind: 'serve', tag: 's0' }, { kind: 'client', op: 'stat', cpu: 0, tag: 's1' }];

/** A step's tag and the REGISTER a mem step names, as if drawn after `by` more steps. */
const shifted = (s: Step, by: number): Step => {
  const up = (t: string) => t.replace(/^s(\d+)$/, (_, n: string) => `s${Number(n) + by}`);
  return { ...s, ...('tag' in s ? { tag: up(s.tag) } : {}), ...(s.kind === 'mem' && 'entry' in s && s.entry ? { entry: up(s.entry) } : {}) } as Step;
};

describe('arbSteps', () => {
  it('should draw the same 0–5 steps for seeds 1–40 after no prefix and after a 2-step prefix, numbered on from s2', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const [bare] = fc.sample(arbSteps('R8', 2, [], 0, 5), { seed, numRuns: 1 });
      const [after] = fc.sample(arbSteps('R8', 2, PREFIX, 0, 5), { seed, numRuns: 1 });
      expect(after!.slice(0, 2)).toEqual(PREFIX);
      expect(toWire(after!.slice(2))).toBe(toWire(bare!.map((s) => shifted(s, 2))));
    }
  });

  it('should draw empty step lists for a 0–14 caller and none for a 1–14 caller, 200 cases each from seed 9', () => {
    // Keyed by both bounds: one arbitrary for both would give them the same minimum.
    const short = fc.sample(arbSteps('R0', 2, [], 0, 14), { seed: 9, numRuns: 200 });
    const long = fc.sample(arbSteps('R0', 2, [], 1, 14), { seed: 9, numRuns: 200 });
    expect(short.filter((s) => s.length === 0).length).toBeGreaterThan(0);
    expect(long.filter((s) => s.length === 0)).toEqual([]);
  });
});
