// The human summary of a matrix on stdout: one line per build, then every change grouped by the pair of builds it lies between.
import { table } from '../../cli/table.js';
import type { BuildRecord, MatrixReport } from '../report.js';
import { rowKind } from '../rows.js';
import type { Change } from '../timeline.js';

const KINDS = ['PASS', 'FAIL', 'SKIP', 'XFAIL', 'TIMEOUT', 'ERROR'] as const;
const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function buildLine(b: BuildRecord, r: MatrixReport): string[] {
  const t = r.runs.find((x) => x.builds[b.label])?.builds[b.label];
  const time = t ? `${Math.round(t.seconds)} s` : '-';
  if (b.error) return [b.label, b.release ?? '-', '-', 'ERROR', short(b.error, 70), '', '', time];
  const cases = Object.entries(b.cells).filter(([id]) => rowKind(id) === 'case').map(([, c]) => c.verdict);
  const counts = KINDS.map((k) => `${cases.filter((v) => v === k).length}`).join('/');
  const fuzz = Object.entries(b.cells).find(([id]) => rowKind(id) === 'fuzz')?.[1].outcome ?? '-';
  const layout = Object.entries(b.cells).find(([id]) => rowKind(id) === 'layout')?.[1].outcome ?? '-';
  return [b.label, b.release ?? '-', b.revision ?? '-', 'ran', counts, short(fuzz, 24), short(layout, 28), time];
}

/** A feature appearing or going (anything ↔ SKIP) is one group per pair of builds; other changes group by exact outcomes. */
const groupKey = (c: Change) => `${c.a === 'SKIP' ? 'SKIP' : c.b === 'SKIP' ? '*' : c.a}\0${c.b === 'SKIP' ? 'SKIP' : c.a === 'SKIP' ? '*' : c.b}\0${c.expected}`;
const side = (vs: readonly string[]) => { const u = [...new Set(vs)]; return u.length === 1 ? short(u[0]!) : `(${u.length} outcomes: ${short(u.slice(0, 3).join(', '))})`; };

function changeLines(changes: readonly Change[], order: readonly string[]): string[] {
  const pairs = new Map<string, Change[]>();
  const sorted = [...changes].sort((x, y) => order.indexOf(x.to) - order.indexOf(y.to));
  for (const c of sorted) pairs.set(`${c.from} → ${c.to}`, [...(pairs.get(`${c.from} → ${c.to}`) ?? []), c]);
  const out: string[] = [];
  for (const [pair, cs] of pairs) {
    out.push(`${pair}: ${cs.length} change${cs.length === 1 ? '' : 's'}, ${cs.filter((c) => !c.expected).length} unexpected`);
    const groups = new Map<string, Change[]>();
    for (const c of cs) groups.set(groupKey(c), [...(groups.get(groupKey(c)) ?? []), c]);
    for (const g of groups.values()) {
      const c = g[0]!, tag = c.expected ? `expected${c.why ? `: ${short(c.why, 80)}` : ''}` : 'UNEXPECTED';
      if (g.length > 3) out.push(`  ${g.length} rows (${g.slice(0, 2).map((x) => x.id).join(', ')}, …): ${side(g.map((x) => x.a))} → ${side(g.map((x) => x.b))}  [${tag}]`);
      else for (const x of g) out.push(`  ${x.id}: ${short(x.a)} → ${short(x.b)}  [${tag}]`);
    }
  }
  return out;
}

export function summaryText(r: MatrixReport): string {
  const tl = r.timeline;
  const accel = [...new Set(r.runs.map((x) => x.accel))].join('/');
  const secs = Math.max(0, ...r.runs.map((x) => x.seconds));
  const lines = [
    `furc matrix: ${r.builds.length} of ${r.plan.builds.length} builds (${r.runs.map((x) => `shard ${x.shard} on ${x.host}`).join(', ')}), ${accel}, ${Math.round(secs / 60)} min`,
    table(['build', 'release', 'rev', 'guest', `cases ${KINDS.join('/')}`, 'fuzz', 'header', 'time'], r.builds.map((b) => buildLine(b, r))),
    '',
    tl.changes ? 'changes between consecutive builds (bisect between the two builds named):' : 'no behaviour changed between consecutive builds',
    ...changeLines(tl.rows.flatMap((row) => row.changes), r.builds.map((b) => b.label)),
    `# ${tl.changes} changes, ${tl.unexpected} unexpected; ${tl.errors.length} builds ERROR${tl.errors.length ? `: ${tl.errors.join(', ')}` : ''}`,
  ];
  return lines.join('\n');
}
