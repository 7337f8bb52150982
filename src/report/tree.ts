// A run's results as a tree (revision, family, case) with names that KTAP and KCIDB paths accept: [A-Za-z0-9_-].
import type { CaseResult } from '../conformance/verdict.js';

/** Dots become '-' and spaces '_', so a rule id stays readable: register.qid.out_of_range → register-qid-out_of_range. */
export const slug = (s: string): string => s.trim().replace(/\./g, '-').replace(/\s+/g, '_').replace(/[^A-Za-z0-9_-]/g, '_');

export interface CaseNode { readonly name: string; readonly result: CaseResult }
export interface FamilyNode { readonly name: string; readonly cases: readonly CaseNode[] }
export interface RevisionNode { readonly name: string; readonly families: readonly FamilyNode[] }

/** Unique at each level: a slug seen before gets _2, _3, … (rule ids are unique per family; this keeps a collision visible). */
function uniq(): (s: string) => string {
  const seen = new Map<string, number>();
  return (s) => { const n = (seen.get(s) ?? 0) + 1; seen.set(s, n); return n === 1 ? s : `${s}_${n}`; };
}

/** Groups in order of first appearance; a family "R8 register.pool" is named register-pool under R8. */
export function resultTree(results: readonly CaseResult[]): RevisionNode[] {
  const revs = new Map<string, Map<string, CaseResult[]>>();
  for (const r of results) {
    const fams = revs.get(r.revision) ?? revs.set(r.revision, new Map()).get(r.revision)!;
    (fams.get(r.family) ?? fams.set(r.family, []).get(r.family)!).push(r);
  }
  const revName = uniq();
  return [...revs].map(([rev, fams]) => {
    const famName = uniq();
    return {
      name: revName(slug(rev)),
      families: [...fams].map(([fam, rs]) => {
        const caseName = uniq();
        return { name: famName(slug(fam.startsWith(`${rev} `) ? fam.slice(rev.length + 1) : fam)), cases: rs.map((result) => ({ name: caseName(slug(result.rule)), result })) };
      }),
    };
  });
}
