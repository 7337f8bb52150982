// Scenarios that break several rule rows at once get the golden errno of the FIRST broken row.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { families } from '../../spec/scenarios/families.js';
import { REVISIONS } from '../../spec/types.js';
import { runScenario } from '../../src/target/runScenario.js';
import { breakRows, compatible, expectedOutcome as expected, orderedChecks, showOutcome as show, validOutcome } from '../../src/conformance/cases.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const SEED = Number(process.env.FURC_SEED ?? 20261121);

describe.each(tTargets().map((t) => [t.name, t] as const))('first failing rule wins (%s)', (_n, tt) => {
  for (const rev of REVISIONS) {
    for (const fam of families(rev, NR_CPUS)) {
      const rows = orderedChecks(fam);
      describe(`${fam.name} (seed ${SEED})`, () => {
        it(`should give ${fam.valid} for the valid baseline`, async (ctx) => {
          const target = await tReady(ctx, tt, rev);
          const { outcome } = await runScenario(target, fam.baseline, fam.observe);
          expect(show(outcome)).toBe(show(validOutcome(fam)));
        });

        it.for(rows.map((r) => [r.id, r] as const))('should answer breaking only %s with its golden errno', async ([, row], ctx) => {
          const target = await tReady(ctx, tt, rev);
          const { outcome } = await runScenario(target, breakRows(fam, [row]), fam.observe);
          expect(show(outcome)).toBe(show(expected(fam, row)));
        });

        it.skipIf(rows.length < 2)('should answer several broken rows with the errno of the first', async (ctx) => {
          const target = await tReady(ctx, tt, rev);
          await fc.assert(
            fc.asyncProperty(fc.subarray(rows, { minLength: 2 }).filter(compatible), async (broken) => {
              const { outcome } = await runScenario(target, breakRows(fam, broken), fam.observe);
              expect(show(outcome), `broke ${broken.map((r) => r.id).join(', ')}`).toBe(show(expected(fam, broken[0]!)));
            }),
            { seed: SEED, numRuns: tt.runs(60) },
          );
        });
      });
    }
  }
});
