// `furc spec`: constants, layouts, rule tables, assumptions and diffs of the UAPI revisions.
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { fieldSize } from '../../spec/codec/codec.js';
import { specDiff } from '../../spec/diff.js';
import { errnoName } from '../../spec/errno.js';
import { resultName } from '../../spec/rules/types.js';
import { allRevisions, revision, type Revision } from '../../spec/revisions.js';
import { jsonText } from '../report/json.js';
import { table } from './table.js';
import { parse } from './args.js';
import { SPEC, SPEC_DIFF } from './commands.js';
import { headerReport } from '../layout/headerProbe.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import { UsageError } from '../../spec/errors.js';

const json = (v: unknown) => jsonText(v, 'hex');

function describeRevision(r: Revision): object {
  return {
    revision: r.id, title: r.title, status: r.status,
    constants: r.constants.map((c) => ({ name: c.name, value: c.value, source: c.source.ref, ...(c.source.assumption ? { assumption: c.source.assumption } : {}) })),
    layouts: r.layouts.map((l) => ({
      name: l.name, size: l.size, align: l.align, source: l.source.ref,
      fields: l.fields.map((f) => ({ name: f.name, offset: f.offset, size: fieldSize(f, r.lookup), attr: f.attr.kind, ...(f.arm ? { arm: f.arm } : {}) })),
    })),
    rules: Object.entries(r.tables).flatMap(([tid, t]) => t!.rows.map((row, order) => row.kind === 'check'
      ? { table: tid, order, id: row.id, errno: resultName(row.errno), source: row.source.ref, ...(row.source.assumption ? { assumption: row.source.assumption } : {}) }
      : { table: tid, order, id: row.id, effect: row.effect, source: row.source.ref })),
  };
}

function printRevision(r: Revision, out: (s: string) => void): void {
  out(`# ${r.id} — ${r.title} (${r.status})\n`);
  out('## constants');
  out(table(['name', 'value', 'source'], r.constants.map((c) => [c.name, `0x${c.value.toString(16)}`, c.source.assumption ? `ASSUMED(${c.source.assumption})` : c.source.ref])));
  out('\n## layouts');
  for (const l of r.layouts) {
    out(`\n${l.name}  size=${l.size} align=${l.align}  ${l.source.ref}`);
    out(table(['offset', 'field', 'size', 'attr'], l.fields.map((f) => [String(f.offset), f.arm ? `${f.name} [${f.arm}]` : f.name, String(fieldSize(f, r.lookup)), f.attr.kind])));
  }
  out('\n## rules (kernel check order)');
  for (const [tid, t] of Object.entries(r.tables)) {
    out(`\n${tid}: ${t!.title}`);
    out(table(['#', 'rule', 'errno', 'source'], t!.rows.map((row, i) => row.kind === 'check'
      ? [String(i), row.id, typeof row.errno === 'number' ? errnoName(row.errno) : row.errno, row.source.assumption ? `${row.source.ref} ASSUMED(${row.source.assumption})` : row.source.ref]
      : [String(i), row.id, `(${row.effect})`, row.source.ref])));
  }
}

/** Runs `furc spec …` and `furc spec diff A B`; returns the exit status. `--header F` replaces assumptions with the header's values. */
export async function specCommand(argv: readonly string[], out: (s: string) => void): Promise<number> {
  // Assumptions are all R7's, so a header is read against R7 unless --revision names another.
  const overridesFrom = async (header: string | undefined, rev: RevisionId = 'R7'): Promise<AssumptionValues> =>
    header === undefined ? {} : (await headerReport(header, revision(rev))).overrides;
  if (argv[0] === 'diff') {
    const { values: o, positionals: [a, b] } = parse(SPEC_DIFF, argv.slice(1));
    const overrides = await overridesFrom(o.header);
    const rows = specDiff(revision(a!, overrides), revision(b!, overrides));
    if (o.json) out(json(rows));
    else out(table(['kind', 'name', a!, b!], rows.map((d) => [d.kind, d.name, d.a, d.b])));
    return 0;
  }
  const { values: o } = parse(SPEC, argv);
  if (o.assumptions) {
    if (o.revision) throw new UsageError('--assumptions lists the assumptions of every revision: drop --revision');
    if (o.json) out(json(ASSUMPTIONS));
    else out(table(['id', 'value', 'what', 'reason', 'override from header'], ASSUMPTIONS.map((a) => [a.id, a.value < 0n ? errnoName(Number(a.value)) : `0x${a.value.toString(16)}`, a.what, a.reason, a.headerSymbol ?? '—'])));
    return 0;
  }
  const overrides = await overridesFrom(o.header, o.revision);
  const revs: Revision[] = o.revision ? [revision(o.revision, overrides)] : allRevisions(overrides);
  if (o.json) out(json(revs.length === 1 ? describeRevision(revs[0]!) : revs.map(describeRevision)));
  else revs.forEach((r) => printRevision(r, out));
  return 0;
}
