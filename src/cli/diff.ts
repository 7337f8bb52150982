// `furc diff A.json B.json [--baseline expected.json] [--json]`: exit 1 when a difference is not in the baseline.
import { diffReports, groupByB, loadBaseline, loadReport } from '../report/diff.js';
import type { Io } from './main.js';
import { UsageError } from '../../spec/errors.js';
import { jsonText } from '../report/json.js';
import { table } from './table.js';

export function diffCommand(args: string[], io: Io): number {
  const asJson = args.includes('--json'), summaryOnly = args.includes('--summary');
  const rest = args.filter((x) => x !== '--json' && x !== '--summary');
  const bi = rest.indexOf('--baseline');
  const baseline = bi >= 0 ? rest[bi + 1] : undefined;
  if (bi >= 0 && !baseline) throw new UsageError('--baseline needs a value');
  const files = bi >= 0 ? [...rest.slice(0, bi), ...rest.slice(bi + 2)] : rest;
  if (files.length !== 2 || files.some((f) => f.startsWith('--'))) throw new UsageError('usage: furc diff A.json B.json [--baseline expected.json] [--summary] [--json]');
  const diffs = diffReports(loadReport(files[0]!), loadReport(files[1]!), baseline ? loadBaseline(baseline) : undefined);
  const unexpected = diffs.filter((d) => !d.expected).length;
  if (asJson) io.out(jsonText({ a: files[0], b: files[1], differences: diffs, unexpected }));
  else {
    const shown = summaryOnly ? diffs.filter((d) => d.kind === 'fingerprint') : diffs;
    io.out(diffs.length ? table(['kind', 'id', 'A', 'B', 'status'], shown.map((d) => [d.kind, d.id, d.a, d.b, d.expected ? 'expected' : 'UNEXPECTED'])) : 'no differences');
    for (const g of groupByB(diffs)) io.out(`# ${g.count} cases (${g.fromA} distinct outcomes on A) became ${g.b}${g.unexpected ? `, ${g.unexpected} unexpected` : ''}`);
    io.out(`# ${diffs.length} differences, ${unexpected} unexpected`);
  }
  return unexpected > 0 ? 1 : 0;
}
