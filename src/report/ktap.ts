// KTAP v1 for kernel CI: revisions, their families and their cases as nested tests, kselftest's "# Totals:" line last.
// A name carries its parents' (R8_reply_reply-unique-zero): parsers that flatten the nesting still get unique names.
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import { caseId, type RunReport } from './report.js';
import { resultTree } from './tree.js';

export interface KtapOptions {
  /** kselftest's runner prints its own version line and sets KSFT_TAP_LEVEL; kselftest.h then leaves its own out. */
  readonly versionLine?: boolean;
}

/** A case id in the characters kselftest allows: R0/register/register.qid.out_of_range → R0_register_register-qid-out_of_range. */
export const ktapName = (id: string): string => id.replace(/\//g, '_').replace(/\./g, '-').replace(/[^A-Za-z0-9_-]/g, '_');

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' | ').trim();
const first = (s: string) => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';

/** The diagnostic lines before a case's result, and its result line after "<ok|not ok> N name". */
function leaf(r: CaseResult): { before: string[]; ok: boolean; tail: string } {
  const v = r.verdict;
  switch (v.kind) {
    case 'PASS': return { before: [], ok: true, tail: '' };
    case 'SKIP': return { before: [], ok: true, tail: ` # SKIP ${oneLine(v.reason)}` };
    case 'XFAIL': return { before: [], ok: true, tail: ` # XFAIL ${v.rule} ${v.link}` };
    case 'FAIL': return { before: [...v.detail.split('\n'), `replay: ${r.replay}`], ok: false, tail: '' };
    case 'TIMEOUT': case 'ERROR': return { before: [...v.detail.split('\n'), `replay: ${r.replay}`], ok: false, tail: ` # ${v.kind} ${first(v.detail)}` };
  }
}

const fails = (v: Verdict) => v.kind === 'FAIL' || v.kind === 'TIMEOUT' || v.kind === 'ERROR';

/** A group fails when a case in it fails, is skipped when every case is (with their reason when they share one), else passes. */
function groupTail(rs: readonly CaseResult[]): { ok: boolean; tail: string } {
  if (rs.some((r) => fails(r.verdict))) return { ok: false, tail: '' };
  const reasons = new Set(rs.map((r) => (r.verdict.kind === 'SKIP' ? oneLine(r.verdict.reason) : null)));
  if (reasons.has(null)) return { ok: true, tail: '' };
  return { ok: true, tail: ` # SKIP ${reasons.size === 1 ? [...reasons][0] : `all ${rs.length} cases skipped`}` };
}

export function ktap(rep: RunReport, o: KtapOptions = {}): string {
  const out: string[] = [];
  const at = (depth: number) => (s: string) => out.push(`${'  '.repeat(depth)}${s}`);
  const line = (depth: number, ok: boolean, n: number, name: string, tail: string) => at(depth)(`${ok ? 'ok' : 'not ok'} ${n} ${name}${tail}`);
  const head = (depth: number, name: string, plan: number) => { at(depth)('KTAP version 1'); at(depth)(`# Subtest: ${name}`); at(depth)(`1..${plan}`); };
  const tree = resultTree(rep.results);
  if (o.versionLine !== false) out.push('KTAP version 1');
  out.push(`# furc ${rep.target}${rep.fingerprint ? ` ${rep.fingerprint.release} (${rep.fingerprint.revision})` : ''}`, `1..${tree.length}`);
  tree.forEach((rev, ri) => {
    head(1, rev.name, rev.families.length);
    rev.families.forEach((fam, fi) => {
      const famName = `${rev.name}_${fam.name}`;
      head(2, famName, fam.cases.length);
      fam.cases.forEach((c, ci) => {
        const l = leaf(c.result);
        l.before.forEach((d) => at(2)(`# ${d}`));
        line(2, l.ok, ci + 1, ktapName(caseId(c.result)), l.tail);
      });
      const g = groupTail(fam.cases.map((c) => c.result));
      line(1, g.ok, fi + 1, famName, g.tail);
    });
    const g = groupTail(rev.families.flatMap((f) => f.cases.map((c) => c.result)));
    line(0, g.ok, ri + 1, rev.name, g.tail);
  });
  const s = rep.summary;
  out.push(`# Totals: pass:${s.PASS} fail:${s.FAIL + s.TIMEOUT} xfail:${s.XFAIL} xpass:0 skip:${s.SKIP} error:${s.ERROR}`);
  return out.join('\n') + '\n';
}
