// A case's verdict in the closed outcome vocabulary, and what a run's verdicts make of its exit status.
import type { RevisionId } from '../../spec/types.js';

export type Verdict =
  | { readonly kind: 'PASS' }
  | { readonly kind: 'FAIL'; readonly detail: string }
  | { readonly kind: 'SKIP'; readonly reason: string }
  | { readonly kind: 'XFAIL'; readonly rule: string; readonly link: string }
  | { readonly kind: 'TIMEOUT'; readonly detail: string }
  /** The harness could not get an answer (its worker died, a set-up step failed): says nothing about the kernel. */
  | { readonly kind: 'ERROR'; readonly detail: string };

export interface CaseResult {
  readonly revision: RevisionId;
  readonly family: string;
  readonly rule: string;
  readonly verdict: Verdict;
  /** How to run just this case again. */
  readonly replay: string;
  /** What the target did (held, cqe -EINVAL, client 0), when the case ran. */
  readonly observed?: string;
}

/** Verdicts that make a run fail. */
export const failing = (v: Verdict): boolean => v.kind === 'FAIL' || v.kind === 'TIMEOUT' || v.kind === 'ERROR';

/** 0 pass, 1 any FAIL, TIMEOUT or ERROR, 4 nothing but SKIPs. */
export function exitStatus(results: readonly CaseResult[]): number {
  if (results.some((r) => failing(r.verdict))) return 1;
  return results.some((r) => r.verdict.kind === 'PASS' || r.verdict.kind === 'XFAIL') ? 0 : 4;
}

export function showVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'PASS': return 'PASS';
    case 'FAIL': return `FAIL(${v.detail})`;
    case 'SKIP': return `SKIP(${v.reason})`;
    case 'XFAIL': return `XFAIL(${v.rule}, ${v.link})`;
    case 'TIMEOUT': return `TIMEOUT(${v.detail})`;
    case 'ERROR': return `ERROR(${v.detail})`;
  }
}
