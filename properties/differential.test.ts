// Model against kernel: the same scenario must cause the same events, step by step; both traces shown on a mismatch.
import { describe, expect, it } from 'vitest';
import type { Check, Scenario } from '../spec/rules/types.js';
import { revision } from '../spec/revisions.js';
import { families } from '../spec/scenarios/families.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { traceScenario } from '../src/target/trace.js';
import { NR_CPUS, tReady, tTargets } from './__helpers__/tTargets.js';

const kernel = tTargets().find((t) => t.name === 'kernel');
const model = new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });

const cases: [string, Scenario][] = families('R0', NR_CPUS).flatMap((fam) => {
  const rev = revision('R0');
  const rows = [...rev.tables.common!.rows, ...rev.tables[fam.table]!.rows]
    .filter((r): r is Check => r.kind === 'check' && fam.rows.includes(r.id) && r.violate !== undefined);
  return [[`${fam.name} baseline`, fam.baseline] as [string, Scenario], ...rows.map((r) => [`${fam.name} breaking ${r.id}`, r.violate!(fam.baseline)] as [string, Scenario])];
});

describe.skipIf(!kernel)('model against kernel (R0 traces)', () => {
  it.for(cases)('%s: same events on both', async ([, s], ctx) => {
    const k = await tReady(ctx, kernel!, 'R0');
    const [m, real] = [await traceScenario(model, s), await traceScenario(k, s)];
    expect(real, `model:\n  ${m.join('\n  ')}\nkernel:\n  ${real.join('\n  ')}`).toEqual(m);
  });
});
