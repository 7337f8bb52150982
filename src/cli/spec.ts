// `furc spec`: constants, layouts, rule tables, assumptions and diffs of the UAPI revisions.
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { fieldSize } from '../../spec/codec/codec.js';
import { specDiff } from '../../spec/diff.js';
import { errnoName } from '../../spec/errno.js';
import { resultName } from '../../spec/rules/types.js';
import { allRevisions, revision, type Revision } from '../../spec/revisions.js';
import { jsonText } from '../report/json.js';
import { table } from './table.js';
import { headerReport } from '../layout/headerProbe.js';
import type { AssumptionValues } from '../../spec/types.js';
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

/** Runs `furc spec …`; returns the exit status. `--header F` replaces assumptions with the header's values. */
export async function specCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const asJson = argv.includes('--json');
  let args = argv;
  let overrides: AssumptionValues = {};
  const h = args.indexOf('--header');
  if (h >= 0) {
    const file = args[h + 1];
    if (!file) throw new UsageError('--header needs a value');
    const id = args[args.indexOf('--revision') + 1];
    overrides = (await headerReport(file, revision(id && args.includes('--revision') ? id : 'R7'))).overrides;
    args = [...args.slice(0, h), ...args.slice(h + 2)];
  }
  const rest = args.filter((a) => a !== '--json');
  if (rest[0] === 'diff') {
    if (rest.length !== 3) throw new UsageError('usage: furc spec diff <A> <B> [--json]');
    const rows = specDiff(revision(rest[1]!, overrides), revision(rest[2]!, overrides));
    if (asJson) out(json(rows));
    else out(table(['kind', 'name', rest[1]!, rest[2]!], rows.map((d) => [d.kind, d.name, d.a, d.b])));
    return 0;
  }
  if (rest[0] === '--assumptions') {
    if (rest.length !== 1) throw new UsageError('usage: furc spec --assumptions [--json]');
    if (asJson) out(json(ASSUMPTIONS));
    else out(table(['id', 'value', 'what', 'reason', 'override from header'], ASSUMPTIONS.map((a) => [a.id, a.value < 0n ? errnoName(Number(a.value)) : `0x${a.value.toString(16)}`, a.what, a.reason, a.headerSymbol ?? '—'])));
    return 0;
  }
  let revs: Revision[] = allRevisions(overrides);
  if (rest[0] === '--revision') {
    if (rest.length !== 2) throw new UsageError('usage: furc spec --revision <R0|R4|R7|R8> [--json]');
    revs = [revision(rest[1]!, overrides)];
  } else if (rest.length > 0) {
    throw new UsageError(`unknown argument '${rest[0]}' (usage: furc spec [--revision R] [--json] | diff A B | --assumptions)`);
  }
  if (asJson) out(json(revs.length === 1 ? describeRevision(revs[0]!) : revs.map(describeRevision)));
  else revs.forEach((r) => printRevision(r, out));
  return 0;
}
