// The matrix as JUnit: one test per build (ERROR when it could not run) and one per timeline row (failure on an unexpected change).
import type { MatrixReport } from '../report.js';
import type { Change } from '../timeline.js';

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const show = (c: Change) => `${c.from} → ${c.to}: ${c.a} → ${c.b}${c.expected ? ` (expected${c.why ? `: ${c.why}` : ''})` : ' (UNEXPECTED)'}`;

export function matrixJunit(r: MatrixReport): string {
  const tl = r.timeline;
  const bad = tl.rows.filter((row) => row.changes.some((c) => !c.expected));
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="furc matrix" tests="${r.builds.length + tl.rows.length}" failures="${bad.length}" errors="${tl.errors.length}">`,
    `  <testsuite name="builds" tests="${r.builds.length}" errors="${tl.errors.length}">`];
  for (const b of r.builds) {
    const open = `    <testcase classname="builds" name="${xml(b.label)}"`;
    out.push(b.error ? `${open}><error type="ERROR" message="${xml(b.error)}"/></testcase>` : `${open}/>`);
  }
  out.push('  </testsuite>', `  <testsuite name="timeline" tests="${tl.rows.length}" failures="${bad.length}">`);
  for (const row of tl.rows) {
    const open = `    <testcase classname="timeline" name="${xml(row.id)}"`;
    const unexpected = row.changes.filter((c) => !c.expected);
    if (unexpected.length) out.push(`${open}><failure type="UNEXPECTED" message="${xml(show(unexpected[0]!))}">${xml(row.changes.map(show).join('\n'))}</failure></testcase>`);
    else if (row.changes.length) out.push(`${open}><system-out>${xml(row.changes.map(show).join('\n'))}</system-out></testcase>`);
    else out.push(`${open}/>`);
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
