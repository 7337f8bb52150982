// Steering: cases that start where a rarely hit rule row fires and go on at random. Starts come from the spec (each
// family's baseline with one row broken) and from the run (the first agreeing case that fired a row); a start is drawn
// with weight 1/(1+n)² for a row fired n times, so rows not yet hit get most of the steered cases.
import fc from 'fast-check';
import { breakRows, orderedChecks } from '../src/conformance/cases.js';
import { probeCommand } from '../spec/rules/scenario.js';
import type { FuzzCase, Step } from '../src/target/case.js';
import { families } from '../spec/scenarios/families.js';
import type { RevisionId } from '../spec/types.js';
import { arbSteps, DEFAULT_LIMITS, type KernelLimits } from './arbitraries.js';
import type { Coverage } from './coverage.js';

export interface Start { readonly row: string; readonly case: FuzzCase }

/** Per family and row it can break, the case that breaks that row alone: the probe is its last step. */
export function specStarts(rev: RevisionId, nrCpus: number): Start[] {
  return families(rev, nrCpus).flatMap((fam) => orderedChecks(fam).map((row) => {
    const s = breakRows(fam, [row]);
    return { row: row.id, case: { config: s.config, steps: [...s.prior, probeCommand(s)] as Step[] } };
  }));
}

export class Steering {
  private readonly starts: Start[];
  private readonly found = new Set<string>();

  constructor(private readonly rev: RevisionId, nrCpus: number, private readonly coverage: Coverage, private readonly maxSteps = 14,
    private readonly lim: KernelLimits = DEFAULT_LIMITS) {
    this.starts = specStarts(rev, nrCpus);
  }

  /** Records an agreeing case's rows; the first case to fire a row becomes a start for it (unless long: starts would grow). */
  observe(c: FuzzCase, fired: readonly string[]): string[] {
    const fresh = this.coverage.add(fired);
    for (const row of fresh) {
      if (this.found.has(row) || c.steps.length > 2 * this.maxSteps) continue;
      this.found.add(row);
      this.starts.push({ row, case: c });
    }
    return fresh;
  }

  /** A start drawn by u in [0, 1): rows fired less often weigh more. */
  pick(u: number): Start {
    const w = this.starts.map((s) => 1 / (1 + (this.coverage.counts.get(s.row) ?? 0)) ** 2);
    let x = u * w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < w.length; i++) if ((x -= w[i]!) < 0) return this.starts[i]!;
    return this.starts[this.starts.length - 1]!;
  }

  /** Cases that begin with a start and add up to a few random steps after it. */
  arbitrary(): fc.Arbitrary<FuzzCase> {
    return fc.integer({ min: 0, max: 0xfffffff }).chain((k) => {
      const s = this.pick(k / 0x10000000);
      const room = Math.max(2, this.maxSteps - s.case.steps.length);
      return arbSteps(this.rev, s.case.config.nr_cpus, s.case.steps, 0, room, this.lim).map((steps) => ({ config: s.case.config, steps }));
    });
  }

  get size(): number { return this.starts.length; }
}
