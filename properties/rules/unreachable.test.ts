// Rows no userspace sequence reaches: forced states on the model must still hit exactly that row with its golden errno.
import { describe, expect, it } from 'vitest';
import { ConnModel } from '../../spec/model/conn.js';
import { evaluate } from '../../spec/rules/engine.js';
import type { Check } from '../../spec/rules/types.js';
import { families } from '../../spec/scenarios/families.js';
import { allRevisions } from '../../spec/revisions.js';
import { golden as tGolden } from '../../src/conformance/golden.js';
import { NR_CPUS } from '../__helpers__/tTargets.js';

const cases = allRevisions().flatMap((rev) => Object.entries(rev.tables).flatMap(([tid, t]) =>
  t!.rows.filter((r): r is Check => r.kind === 'check' && r.unreachable !== undefined).map((row) => [`${rev.id} ${row.id}`, rev, tid, row] as const)));

describe('unreachable rows (model, forced state)', () => {
  it('should exist in every revision that has a COMMIT table', () => expect(cases.length).toBeGreaterThanOrEqual(8));

  it.each(cases)('%s should fail first, with its golden errno, once its state is forced', (_n, rev, tid, row) => {
    const fam = families(rev.id, NR_CPUS).find((f) => f.table === tid && f.observe === 'cqe');
    expect(fam, `no baseline family for table ${tid}`).toBeDefined();
    const m = new ConnModel(fam!.baseline.config);
    for (const c of fam!.baseline.prior) m.run(c);
    const probe = row.unreachable!.force({ st: m.st, cmd: fam!.baseline.probe, queue: m.st.ring?.queues.get(fam!.baseline.probe.qid), firstOnQueue: false });
    const ev = evaluate(rev.tables[tid as keyof typeof rev.tables]!.rows, probe);
    expect(ev.failed?.id).toBe(row.id);
    expect(ev.failed?.errno).toBe(tGolden(rev.id).find((g) => g.id === row.id)?.errno);
    expect(row.unreachable!.reason.length).toBeGreaterThan(20);
  });
});

describe('row coverage', () => {
  it.each(allRevisions().map((r) => [r.id, r] as const))('%s: every check row is broken by a family or forced as unreachable', (_id, rev) => {
    const byFamily = new Set(families(rev.id, NR_CPUS).flatMap((f) => f.rows));
    const missing = Object.values(rev.tables).flatMap((t) => t!.rows)
      .filter((r): r is Check => r.kind === 'check')
      .filter((r) => !(byFamily.has(r.id) && r.violate) && !r.unreachable)
      .map((r) => r.id);
    expect(missing).toEqual([]);
  });
});
