// `furc diff A.json B.json [--baseline expected.json] [--json]`: exit 1 when a behaviour difference is not in the baseline.
import { match } from 'ts-pattern';
import { diffReports, groupByB, loadBaseline, loadReport, type DiffStatus } from '../report/diff.js';
import type { Io } from './main.js';
import { parse } from './args.js';
import { DIFF } from './commands.js';
import { jsonText } from '../report/json.js';
import { table } from './table.js';

const showStatus = (s: DiffStatus) => match(s).with('identity', () => 'identity').with('expected', () => 'expected').with('unexpected', () => 'UNEXPECTED').exhaustive();

export function diffCommand(args: readonly string[], io: Io): number {
  const { values: o, positionals: files } = parse(DIFF, args);
  const { json: asJson, summary: summaryOnly, baseline } = o;
  const diffs = diffReports(loadReport(files[0]!), loadReport(files[1]!), baseline ? loadBaseline(baseline) : undefined);
  const unexpected = diffs.filter((d) => d.status === 'unexpected').length;
  if (asJson) io.out(jsonText({ a: files[0], b: files[1], differences: diffs, unexpected }));
  else {
    const shown = summaryOnly ? diffs.filter((d) => d.kind === 'fingerprint') : diffs;
    io.out(diffs.length ? table(['kind', 'id', 'A', 'B', 'status'], shown.map((d) => [d.kind, d.id, d.a, d.b, showStatus(d.status)])) : 'no differences');
    for (const g of groupByB(diffs)) io.out(`# ${g.count} cases (${g.fromA} distinct outcomes on A) became ${g.b}${g.unexpected ? `, ${g.unexpected} unexpected` : ''}`);
    io.out(`# ${diffs.length} differences, ${unexpected} unexpected`);
  }
  return unexpected > 0 ? 1 : 0;
}
