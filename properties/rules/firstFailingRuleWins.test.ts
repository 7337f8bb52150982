// Scenarios that break several rule rows at once get the golden errno of the FIRST broken row.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errnoName } from '../../spec/errno.js';
import { revision } from '../../spec/revisions.js';
import type { Check, Scenario } from '../../spec/rules/types.js';
import { families, type Family } from '../../spec/scenarios/families.js';
import { REVISIONS } from '../../spec/types.js';
import { runScenario, type ProbeOutcome } from '../../src/target/runScenario.js';
import { tGolden } from '../__helpers__/tGolden.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const SEED = Number(process.env.FURC_SEED ?? 20261121);

/** Rows of a family in kernel order (common first), each with its violation. */
function orderedChecks(fam: Family): Check[] {
  const rev = revision(fam.baseline.config.revision);
  const rows = [...(fam.observe === 'client' ? [] : rev.tables.common!.rows), ...rev.tables[fam.table]!.rows];
  return rows.filter((r): r is Check => r.kind === 'check' && fam.rows.includes(r.id) && r.violate !== undefined);
}

/** Applies violations last-row-first, so each earlier row's violation is the one that stands. */
function breakRows(fam: Family, rows: readonly Check[]): Scenario {
  return [...rows].reverse().reduce((s, r) => r.violate!(s), fam.baseline);
}

function expected(fam: Family, first: Check): ProbeOutcome {
  const g = tGolden(fam.baseline.config.revision).find((x) => x.id === first.id);
  if (!g) throw new Error(`rule ${first.id} is missing from fixtures/golden/rules.${fam.baseline.config.revision}.txt`);
  const res = g.errno === 'reply' ? (breakRows(fam, [first]).probe.reply?.error ?? 0) : g.errno;
  return fam.observe === 'client' ? { kind: 'client', res } : { kind: 'cqe', res };
}

const show = (o: ProbeOutcome) => (o.kind === 'held' ? 'held' : `${o.kind} ${errnoName(o.res)}`);
const compatible = (rows: readonly Check[]) => rows.every((r) => !(r.excludes ?? []).some((x) => rows.some((o) => o.id === x)));

describe.each(tTargets().map((t) => [t.name, t] as const))('first failing rule wins (%s)', (_n, tt) => {
  for (const rev of REVISIONS) {
    for (const fam of families(rev, NR_CPUS)) {
      const rows = orderedChecks(fam);
      describe(`${fam.name} (seed ${SEED})`, () => {
        it(`should give ${fam.valid} for the valid baseline`, async (ctx) => {
          const target = await tReady(ctx, tt, rev);
          const { outcome } = await runScenario(target, fam.baseline, fam.observe);
          expect(show(outcome)).toBe(fam.valid === 'held' ? 'held' : `${fam.observe} 0`);
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
