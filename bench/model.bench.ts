// Benchmark: rule evaluations per second of the spec engine on realistic probes (not a timed test).
import { ConnModel } from '../spec/model/conn.js';
import { evaluate } from '../spec/rules/engine.js';
import type { Probe } from '../spec/conn/probe.js';
import { families } from '../spec/scenarios/families.js';
import { REVISIONS } from '../spec/types.js';

function tablesOf(m: ConnModel, table: string) {
  return [...m.rev.tables.common!.rows, ...(m.rev.tables as Record<string, { rows: never[] }>)[table]!.rows];
}
let rowsPerEval = 0;
const work: { rows: ReturnType<typeof tablesOf>; probe: Probe }[] = [];
for (const rev of REVISIONS) {
  for (const fam of families(rev, 2)) {
    const m = new ConnModel(fam.baseline.config);
    for (const c of fam.baseline.prior) m.run(c);
    const probe: Probe = { st: m.st, cmd: fam.baseline.probe, queue: m.st.ring?.queues.get(fam.baseline.probe.qid), firstOnQueue: false };
    work.push({ rows: tablesOf(m, fam.table), probe });
    rowsPerEval += tablesOf(m, fam.table).length;
  }
}
const N = 400_000;
let sink = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const w = work[i % work.length]!;
  if (evaluate(w.rows, w.probe).failed) sink++;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`probes: ${work.length} families, ${(rowsPerEval / work.length).toFixed(1)} rows each on average`);
console.log(`table evaluations: ${N} in ${secs.toFixed(3)} s (${sink} failed a row)`);
// One rule eval = one command checked against its whole table (common rows + command rows) in kernel order.
console.log(`row predicates/s: ${Math.round((N * rowsPerEval) / work.length / secs)}`);
console.log(`rule evals/s: ${Math.round(N / secs)}`);
