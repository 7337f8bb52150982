// The matrix as one self-contained HTML page: a column per build, runs of one outcome drawn as one bar, changes marked.
import type { BuildRecord, Cell, MatrixReport } from '../report.js';
import { rowKind } from '../rows.js';
import type { TimelineRow } from '../timeline.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:18px;margin:0 0 .3em}
.sum{margin:.2em 0 1em}
table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:2px 6px;white-space:nowrap}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:1}
th.row{text-align:left;font-weight:normal;font-family:ui-monospace,monospace;max-width:34em;overflow:hidden;text-overflow:ellipsis}
td{text-align:center;font-family:ui-monospace,monospace;font-size:12px}
.PASS{background:#d8f0d8}.FAIL{background:#f7c6c6}.SKIP{background:#eee;color:#777}.XFAIL{background:#fbe7b5}
.TIMEOUT{background:#e3d0f5}.ERROR{background:#e9a0a0}.INFO{background:#fff}.na{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 4px,#eee 4px,#eee 8px);color:#aaa}
td.exp{border-left:4px solid #2f6fdf}td.unexp{border-left:4px solid #d22}
.bisect{color:#666;font-size:11px;display:block}
#all:not(:checked)~table tbody.same{display:none}
.legend span{display:inline-block;padding:0 6px;margin-right:4px;border:1px solid #ccc}
`;

/** Consecutive builds with the same outcome become one cell spanning them; builds without a record break the run. */
function spans(row: TimelineRow, builds: readonly BuildRecord[]): string {
  const cells: string[] = [];
  const to = new Map(row.changes.map((c) => [c.to, c]));
  let i = 0;
  while (i < builds.length) {
    const c: Cell | undefined = builds[i]!.cells[row.id];
    if (!c) { cells.push(`<td class="na" title="${esc(builds[i]!.error ? `no results: ${builds[i]!.error}` : 'not run on this build')}">—</td>`); i++; continue; }
    let j = i + 1;
    while (j < builds.length && builds[j]!.cells[row.id]?.outcome === c.outcome && builds[j]!.cells[row.id]?.verdict === c.verdict && !to.has(builds[j]!.label)) j++;
    const ch = to.get(builds[i]!.label);
    const mark = ch ? (ch.expected ? ' exp' : ' unexp') : '';
    const tip = [`${c.verdict}: ${c.outcome}`, c.detail ?? '', ch ? `changed from ${ch.a} after ${ch.from}${ch.expected ? ` (expected${ch.why ? `: ${ch.why}` : ''})` : ' (UNEXPECTED)'}` : ''].filter(Boolean).join('\n');
    const text = c.verdict === 'SKIP' ? 'SKIP' : ['INFO', 'PASS', c.outcome].includes(c.verdict) ? c.outcome : `${c.verdict} ${c.outcome}`;
    cells.push(`<td class="${c.verdict}${mark}"${j - i > 1 ? ` colspan="${j - i}"` : ''} title="${esc(tip)}">${esc(short(text, 24 + 10 * (j - i)))}</td>`);
    i = j;
  }
  return cells.join('');
}

function rowHtml(row: TimelineRow, builds: readonly BuildRecord[]): string {
  const first = row.changes[0];
  const bisect = first ? `<span class="bisect">first change at ${esc(first.to)}: bisect ${esc(first.from)}..${esc(first.to)}${row.changes.length > 1 ? `, ${row.changes.length} changes` : ''}</span>` : '';
  return `<tr><th class="row" title="${esc(row.id)}">${esc(row.id)}${bisect}</th>${spans(row, builds)}</tr>`;
}

export function matrixHtml(r: MatrixReport): string {
  const b = r.builds, tl = r.timeline;
  const time = (label: string) => r.runs.find((x) => x.builds[label])?.builds[label]?.seconds;
  const head = (f: (x: BuildRecord) => string, name: string) => `<tr><th class="row">${name}</th>${b.map((x) => `<th>${f(x)}</th>`).join('')}</tr>`;
  const changed = tl.rows.filter((x) => x.changes.length), same = tl.rows.filter((x) => !x.changes.length);
  const order = (rows: readonly TimelineRow[]) => [...rows].sort((x, y) => Number(rowKind(x.id) === 'case') - Number(rowKind(y.id) === 'case'));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>furc matrix: ${b.length} builds</title><style>${STYLE}</style></head><body>
<h1>furc matrix: ${b.length} builds, ${tl.changes} changes (${tl.unexpected} unexpected)</h1>
<p class="sum">${esc(r.plan.lists.join(' '))}; fuzz seed ${r.plan.seed}, ${r.plan.fuzzRuns} cases per build; ${tl.errors.length ? `<b>no results from ${esc(tl.errors.join(', '))}</b>` : 'every build ran'}.
Hover a cell for its detail. A coloured left edge marks the build where a row changed: <span style="border-left:4px solid #2f6fdf;padding-left:4px">expected</span> <span style="border-left:4px solid #d22;padding-left:4px">unexpected</span>.</p>
<input type="checkbox" id="all"><label for="all"> also show the ${same.length} rows that never changed</label>
<table>
<thead>${head((x) => esc(x.label), 'build')}
${head((x) => (x.error ? `<span class="ERROR" title="${esc(x.error)}">ERROR</span>` : esc(x.revision ?? '-')), 'revision')}
${head((x) => (time(x.label) === undefined ? '-' : `${Math.round(time(x.label)!)} s`), 'time')}</thead>
<tbody>${order(changed).map((x) => rowHtml(x, b)).join('\n')}</tbody>
<tbody class="same">${order(same).map((x) => rowHtml(x, b)).join('\n')}</tbody>
</table>
<p class="legend">${['PASS', 'FAIL', 'SKIP', 'XFAIL', 'TIMEOUT', 'ERROR'].map((k) => `<span class="${k}">${k}</span>`).join('')}<span class="na">no result</span></p>
<details><summary>where each build came from</summary>${b.map((x) => `<h3>${esc(x.label)} (${esc(x.source)})</h3><pre>${esc([...x.provenance, ...(x.error ? [`ERROR: ${x.error}`] : [])].join('\n'))}</pre>`).join('\n')}</details>
</body></html>
`;
}
