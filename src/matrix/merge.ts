// furc merge for timelines: shard reports of one plan joined into the report one unsharded run would have written.
import { shardItems } from '../shard.js';
import type { BuildRecord, MatrixReport, RunInfo } from './report.js';
import { MatrixReportError } from './report.js';
import { timeline } from './timeline.js';

const planKey = (r: MatrixReport) => JSON.stringify(r.plan);

/** Builds of a shard that brought back no report become ERROR rows; two reports of one build are refused. */
export function mergeMatrix(inputs: readonly { path: string; report: MatrixReport }[]): MatrixReport {
  const first = inputs[0];
  if (!first) throw new MatrixReportError('furc merge needs at least one matrix report');
  for (const x of inputs) {
    if (planKey(x.report) !== planKey(first.report)) throw new MatrixReportError(`${x.path}: its plan differs from ${first.path}'s (other builds, lists, seed, fuzz runs or baseline): not shards of one matrix`);
  }
  const plan = first.report.plan;
  const runs: RunInfo[] = inputs.flatMap((x) => x.report.runs);
  const counts = new Set(runs.map((r) => Number(r.shard.split('/')[1])));
  if (counts.size > 1) throw new MatrixReportError(`the reports come from different shard counts (${runs.map((r) => r.shard).join(', ')})`);
  const n = [...counts][0] ?? 1;
  const seen = new Map<string, string>(), byLabel = new Map<string, BuildRecord>();
  for (const x of inputs) {
    for (const b of x.report.builds) {
      if (seen.has(b.label)) throw new MatrixReportError(`build ${b.label} is in both ${seen.get(b.label)} and ${x.path}`);
      seen.set(b.label, x.path);
      byLabel.set(b.label, b);
    }
  }
  const ran = new Set(runs.map((r) => Number(r.shard.split('/')[0])));
  const missing = (label: string): BuildRecord => {
    const i = [...Array(n).keys()].map((k) => k + 1).find((k) => shardItems(plan.builds, { index: k, count: n }).includes(label))!;
    const why = ran.has(i) ? `shard ${i}/${n} ran but its report has no record of ${label}` : `shard ${i}/${n} brought back no report`;
    return { label, source: '(unknown)', provenance: [], release: null, revision: null, error: why, cells: {} };
  };
  const builds = plan.builds.map((l) => byLabel.get(l) ?? missing(l));
  const sorted = [...runs].sort((a, b) => Number(a.shard.split('/')[0]) - Number(b.shard.split('/')[0]));
  return { tool: 'furc', kind: 'matrix', version: 1, plan, builds, timeline: timeline(builds, plan.baseline), runs: sorted };
}
