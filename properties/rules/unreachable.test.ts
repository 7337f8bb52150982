// Rows no userspace sequence reaches: forced states on the model must still hit exactly that row with its golden errno,
// and no sequence the fuzzer draws or steers toward a row (on the model) ever makes one of them fire.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbCase } from '../../fuzz/arbitraries.js';
import { specStarts } from '../../fuzz/steer.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import { ConnModel } from '../../spec/model/conn.js';
import { evaluate } from '../../spec/rules/engine.js';
import type { Check } from '../../spec/rules/types.js';
import { families } from '../../spec/scenarios/families.js';
import { allRevisions } from '../../spec/revisions.js';
import { golden as tGolden } from '../../src/conformance/golden.js';
import { NR_CPUS } from '../__helpers__/tTargets.js';

const cases = allRevisions().flatMap((rev) => Object.entries(rev.tables).flatMap(([tid, t]) =>
  t!.rows.filter((r): r is Check => r.kind === 'check' && r.unreachable !== undefined).map((row) => [`${rev.id} ${row.id}`, rev, tid, row] as const)));

const SEED = Number(process.env.FURC_SEED ?? 20261121);

describe('unreachable rows (model, forced state)', () => {
  it.each(cases)('%s should fail first, with its golden errno, once its state is forced', (_n, rev, tid, row) => {
    const fam = families(rev.id, NR_CPUS).find((f) => f.table === tid && f.observe === 'cqe');
    expect(fam, `no baseline family for table ${tid}`).toBeDefined();
    const m = new ConnModel(fam!.baseline.config);
    for (const c of fam!.baseline.prior) m.run(c);
    const probe = row.unreachable!.force({ st: m.st, cmd: fam!.baseline.probe, queue: m.st.ring?.queues.get(fam!.baseline.probe.qid), firstOnQueue: false });
    const ev = evaluate(rev.tables[tid as keyof typeof rev.tables]!.rows, probe);
    expect(ev.failed?.id).toBe(row.id);
    expect(ev.failed?.errno).toBe(tGolden(rev.id).find((g) => g.id === row.id)?.errno);
  });
});

describe('unreachable rows (model, from userspace)', () => {
  it.each(allRevisions().map((r) => [r.id, r] as const))('%s: no steered start and no random case fires a row marked unreachable', async (_id, rev) => {
    const marked = new Set(cases.filter(([, r]) => r.id === rev.id).map(([, , , row]) => row.id));
    const fires = async (c: Parameters<ModelTarget['runCase']>[0]) => ((await new ModelTarget({ nr_cpus: NR_CPUS, caps: c.config.caps }).runCase(c)).fired ?? []).filter((id) => marked.has(id));
    for (const s of specStarts(rev.id, NR_CPUS)) expect(await fires(s.case), `start for ${s.row}`).toEqual([]);
    await fc.assert(fc.asyncProperty(arbCase(rev.id, NR_CPUS), async (c) => { expect(await fires(c)).toEqual([]); }), { seed: SEED, numRuns: 300 });
  });
});

describe('row coverage', () => {
  it.each(allRevisions().map((r) => [r.id, r] as const))('%s: every check row is broken by a family (on a kernel with its fact, if it has one) or forced as unreachable', (_id, rev) => {
    const byFamily = new Set(families(rev.id, NR_CPUS).flatMap((f) => f.rows));
    const byFact = (fact: string) => new Set(families(rev.id, NR_CPUS, { [fact]: 1n }).flatMap((f) => f.rows));
    const missing = Object.values(rev.tables).flatMap((t) => t!.rows)
      .filter((r): r is Check => r.kind === 'check')
      .filter((r) => !((r.fact ? byFact(r.fact) : byFamily).has(r.id) && r.violate) && !r.unreachable)
      .map((r) => r.id);
    expect(missing).toEqual([]);
  });
});
