// A run's results as one document, and its three renderings: KTAP for kernel CI, JUnit for dashboards, JSON for tools.
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import type { Fingerprint } from '../kernel/fingerprint.js';
import { jsonText } from './json.js';
import { ktap, type KtapOptions } from './ktap.js';

export interface RunReport {
  readonly tool: 'furc';
  readonly version: 1;
  readonly target: 'kernel' | 'model';
  readonly fingerprint: Fingerprint | null;
  readonly summary: Readonly<Record<Verdict['kind'], number>> & { readonly cases: number };
  readonly results: readonly CaseResult[];
}

export const FORMATS = ['ktap', 'junit', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export function makeReport(target: RunReport['target'], results: readonly CaseResult[], fingerprint: Fingerprint | null): RunReport {
  const n = (k: Verdict['kind']) => results.filter((r) => r.verdict.kind === k).length;
  return { tool: 'furc', version: 1, target, fingerprint, results,
    summary: { cases: results.length, PASS: n('PASS'), FAIL: n('FAIL'), SKIP: n('SKIP'), XFAIL: n('XFAIL'), TIMEOUT: n('TIMEOUT'), ERROR: n('ERROR') } };
}

/** The one id of a case: on furc run's live line, in KTAP, JUnit, kernel-log markers and `furc diff` (R0/register/register.qid.out_of_range). */
// KTAP ends a test name at whitespace or '#', so the id has neither.
export const caseId = (r: Pick<CaseResult, 'family' | 'rule'>): string => `${r.family}/${r.rule}`.replace(/\s+/g, '/').replace(/#/g, '');

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' | ');

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junit(rep: RunReport): string {
  const bySuite = new Map<string, CaseResult[]>();
  for (const r of rep.results) bySuite.set(r.family, [...(bySuite.get(r.family) ?? []), r]);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="furc ${rep.target}" tests="${rep.summary.cases}" failures="${rep.summary.FAIL + rep.summary.TIMEOUT}" errors="${rep.summary.ERROR}" skipped="${rep.summary.SKIP}">`];
  for (const [suite, rs] of bySuite) {
    const fails = rs.filter((r) => r.verdict.kind === 'FAIL' || r.verdict.kind === 'TIMEOUT').length;
    out.push(`  <testsuite name="${xml(suite)}" tests="${rs.length}" failures="${fails}" skipped="${rs.filter((r) => r.verdict.kind === 'SKIP').length}">`);
    for (const r of rs) {
      const v = r.verdict;
      const open = `    <testcase classname="${xml(suite)}" name="${xml(caseId(r))}"`;
      switch (v.kind) {
        case 'PASS': out.push(`${open}/>`); break;
        case 'SKIP': out.push(`${open}><skipped message="${xml(v.reason)}"/></testcase>`); break;
        case 'XFAIL': out.push(`${open}><skipped message="XFAIL ${xml(v.rule)} ${xml(v.link)}"/></testcase>`); break;
        case 'FAIL': case 'TIMEOUT':
          out.push(`${open}><failure type="${v.kind}" message="${xml(oneLine(v.detail))}">${xml(`${v.detail}\nreplay: ${r.replay}`)}</failure></testcase>`); break;
        case 'ERROR':
          out.push(`${open}><error type="ERROR" message="${xml(oneLine(v.detail))}">${xml(`${v.detail}\nreplay: ${r.replay}`)}</error></testcase>`); break;
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

export const json = (rep: RunReport): string => jsonText(rep) + '\n';

export function render(rep: RunReport, format: Format, o: KtapOptions = {}): string {
  switch (format) {
    case 'ktap': return ktap(rep, o);
    case 'junit': return junit(rep);
    case 'json': return json(rep);
  }
}
