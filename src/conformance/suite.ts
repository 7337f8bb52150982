// The conformance suite as a CLI runs it: one verdict per (family, rule) in the closed outcome vocabulary.
import { revision } from '../../spec/revisions.js';
import type { Check } from '../../spec/rules/types.js';
import { families } from '../../spec/scenarios/families.js';
import type { RevisionId } from '../../spec/types.js';
import { KernelHealthError, TimeoutError } from '../kernel/kernelTarget.js';
import { runScenario } from '../target/runScenario.js';
import type { Target } from '../target/target.js';
import { breakRows, expectedOutcome, orderedChecks, showOutcome, validOutcome } from './cases.js';

export type Verdict =
  | { readonly kind: 'PASS' }
  | { readonly kind: 'FAIL'; readonly detail: string }
  | { readonly kind: 'SKIP'; readonly reason: string }
  | { readonly kind: 'XFAIL'; readonly rule: string; readonly link: string }
  | { readonly kind: 'TIMEOUT'; readonly detail: string };

export interface CaseResult {
  readonly revision: RevisionId;
  readonly family: string;
  readonly rule: string;
  readonly verdict: Verdict;
  /** How to run just this case again. */
  readonly replay: string;
}

const replayOf = (family: string, rule: string, target: string) =>
  `FURC_TARGETS=${target} npx vitest run properties/rules/firstFailingRuleWins.test.ts -t "${family} .*${rule.replace(/\./g, '\\.')}"`;

export async function runSuite(target: Target, revs: readonly RevisionId[], nrCpus: number, onResult: (r: CaseResult) => void = () => {}): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const emit = (r: CaseResult) => { out.push(r); onResult(r); };
  for (const rev of revs) {
    const skip = await target.unsupported(rev);
    const unreachable = Object.values(revision(rev).tables).flatMap((t) => t!.rows)
      .filter((r): r is Check => r.kind === 'check' && r.unreachable !== undefined);
    for (const fam of families(rev, nrCpus)) {
      const cases: [string, () => Promise<string | null>][] = [
        [`${fam.table}.baseline`, async () => check(await runScenario(target, fam.baseline, fam.observe), showOutcome(validOutcome(fam)))],
        ...orderedChecks(fam).map((row) => [row.id, async () =>
          check(await runScenario(target, breakRows(fam, [row]), fam.observe), showOutcome(expectedOutcome(fam, row)))] as [string, () => Promise<string | null>]),
      ];
      for (const [rule, run] of cases) {
        const base = { revision: rev, family: fam.name, rule, replay: replayOf(fam.name, rule, target.name) };
        if (skip) { emit({ ...base, verdict: { kind: 'SKIP', reason: skip } }); continue; }
        emit({ ...base, verdict: await verdictOf(run) });
      }
    }
    for (const row of unreachable) {
      emit({ revision: rev, family: `${rev} forced`, rule: row.id, replay: 'npx vitest run properties/rules/unreachable.test.ts',
        verdict: { kind: 'SKIP', reason: skip ?? `unreachable from userspace: ${row.unreachable!.reason}` } });
    }
  }
  return out;
}

function check(got: { outcome: Parameters<typeof showOutcome>[0] }, want: string): string | null {
  const g = showOutcome(got.outcome);
  return g === want ? null : `expected ${want}, got ${g}`;
}

async function verdictOf(run: () => Promise<string | null>): Promise<Verdict> {
  try {
    const failure = await run();
    return failure === null ? { kind: 'PASS' } : { kind: 'FAIL', detail: failure };
  } catch (e) {
    if (e instanceof TimeoutError) return { kind: 'TIMEOUT', detail: e.message };
    if (e instanceof KernelHealthError) return { kind: 'FAIL', detail: e.message };
    return { kind: 'FAIL', detail: `harness error: ${(e as Error).message}` };
  }
}

/** 0 pass, 1 any FAIL or TIMEOUT, 4 nothing but SKIPs. */
export function exitStatus(results: readonly CaseResult[]): number {
  if (results.some((r) => r.verdict.kind === 'FAIL' || r.verdict.kind === 'TIMEOUT')) return 1;
  return results.some((r) => r.verdict.kind === 'PASS' || r.verdict.kind === 'XFAIL') ? 0 : 4;
}

export function showVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'PASS': return 'PASS';
    case 'FAIL': return `FAIL(${v.detail})`;
    case 'SKIP': return `SKIP(${v.reason})`;
    case 'XFAIL': return `XFAIL(${v.rule}, ${v.link})`;
    case 'TIMEOUT': return `TIMEOUT(${v.detail})`;
  }
}
