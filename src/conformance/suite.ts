// The conformance suite as a CLI runs it: one verdict per (family, rule) in the closed outcome vocabulary.
import { revision } from '../../spec/revisions.js';
import type { Check, KnownDifference } from '../../spec/rules/types.js';
import type { RevisionId } from '../../spec/types.js';
import { HarnessError, KernelHealthError, TimeoutError } from '../target/errors.js';
import { caseId } from '../report/report.js';
import { runScenario } from '../target/runScenario.js';
import type { Target } from '../target/target.js';
import { ModelTarget } from '../target/modelTarget.js';
import { ruleCases, showOutcome } from './cases.js';
import { dataCases, runDataCase } from './data.js';
import { backgroundCases, releaseCases, runBackgroundCase, runReleaseCase } from './background.js';
import { BG_DISPATCH_FIX } from '../../spec/rules/known.js';
import type { CaseResult, Verdict } from './verdict.js';

const replayOf = (family: string, rule: string, target: string) =>
  `FURC_TARGETS=${target} npx vitest run properties/rules/firstFailingRuleWins.test.ts -t "${family} .*${rule.replace(/\./g, '\\.')}"`;

const dataReplayOf = (family: string, rule: string, target: string) =>
  `FURC_TARGETS=${target} npx vitest run properties/kernel/data.test.ts -t "${family} ${rule.replace(/\./g, '\\.')}"`;

/**
 * `only`: which case ids (caseId: '<family>/<rule>', spaces as '/') run; the others are left out of the results.
 * Given several targets (furc run --jobs: one kernel worker each), cases run on whichever is free; results keep the
 * suite's order.
 */
export async function runSuite(targets: Target | readonly Target[], revs: readonly RevisionId[], nrCpus: number, onResult: (r: CaseResult) => void = () => {}, only: (id: string) => boolean = () => true): Promise<CaseResult[]> {
  const pool: readonly Target[] = Array.isArray(targets) ? targets : [targets as Target];
  const target = pool[0]!;
  const out: CaseResult[] = [];
  const run = inOrder(pool, (r) => { if (!only(caseId(r))) return; out.push(r); onResult(r); });
  const emit = (r: CaseResult) => run.schedule(async () => r);
  // Data cases are judged against the model's trace of the same steps (the model given this target's cpus and caps).
  const info = await target.info();
  const reference = new ModelTarget(info, info.facts ?? {});
  for (const rev of revs) {
    const skip = await target.unsupported(rev);
    const unreachable = Object.values(revision(rev, info.facts ?? {}).tables).flatMap((t) => t!.rows)
      .filter((r): r is Check => r.kind === 'check' && r.unreachable !== undefined);
    const runOne = (family: string, rule: string, replay: string, attempt: (t: Target) => Promise<Observation>, known: readonly KnownDifference[]) => {
      const base = { revision: rev, family, rule, replay };
      if (!only(caseId(base))) return;
      if (skip) { emit({ ...base, verdict: { kind: 'SKIP', reason: skip } }); return; }
      run.schedule(async (t) => {
        t.mark?.(caseId({ family, rule }));
        const got = await verdictOf(() => attempt(t));
        const k = got.verdict.kind === 'FAIL' ? known.find((x) => x.observed === got.observed) : undefined;
        const { verdict, observed } = k ? { ...got, verdict: { kind: 'XFAIL', rule, link: k.link } as Verdict } : got;
        return observed === undefined ? { ...base, verdict } : { ...base, verdict, observed };
      });
    };
    for (const c of ruleCases(rev, nrCpus, undefined, info.facts)) {
      const attempt = async (t: Target) => check(await runScenario(t, c.scenario, c.family.observe), showOutcome(c.want));
      runOne(c.family.name, c.rule, replayOf(c.family.name, c.rule, target.name), attempt, c.known);
    }
    const data = dataCases(rev, nrCpus), releases = releaseCases(rev, nrCpus);
    for (const b of backgroundCases(rev, nrCpus)) {
      for (const d of data.filter((x) => x.family === b.family)) {
        runOne(d.family, d.rule, dataReplayOf(d.family, d.rule, target.name), (t) => runDataCase(reference, t, d), []);
      }
      const replay = `FURC_TARGETS=${target.name} npx vitest run properties/kernel/background.test.ts -t "${b.family} "`;
      // Readahead and the page cache are the kernel's: the model has neither, so it has nothing to say here.
      if (target.name === 'model' && !skip) emit({ revision: rev, family: b.family, rule: b.rule, replay, verdict: { kind: 'SKIP', reason: 'the model has no page cache: background depth is measured on a kernel' } });
      else runOne(b.family, b.rule, replay, (t) => runBackgroundCase(t, b), []);
      for (const r of releases.filter((x) => x.family === b.family)) {
        runOne(r.family, r.rule, replay.replace(/ "$/, ' release"'), (t) => runReleaseCase(reference, t, r), [BG_DISPATCH_FIX]);
      }
    }
    for (const row of unreachable) {
      emit({ revision: rev, family: `${rev} forced`, rule: row.id, replay: 'npx vitest run properties/rules/unreachable.test.ts',
        verdict: { kind: 'SKIP', reason: skip ?? `unreachable from userspace: ${row.unreachable!.reason}` } });
    }
  }
  await run.done();
  return out;
}

/**
 * Tasks run on whichever target is free and report in the order they were scheduled; with one target, one at a time.
 * A task that throws stops the run (as one that threw in a sequential loop did).
 */
function inOrder(pool: readonly Target[], report: (r: CaseResult) => void) {
  const free = [...pool];
  const waiting: ((t: Target) => void)[] = [];
  const results = new Map<number, CaseResult>();
  const started: Promise<void>[] = [];
  let next = 0, reported = 0;
  const acquire = () => new Promise<Target>((resolve) => { const t = free.shift(); if (t) resolve(t); else waiting.push(resolve); });
  const release = (t: Target) => { const w = waiting.shift(); if (w) w(t); else free.push(t); };
  const flush = () => { while (results.has(reported)) { report(results.get(reported)!); results.delete(reported++); } };
  return {
    schedule(task: (t: Target) => Promise<CaseResult>): void {
      const seq = next++;
      const p = acquire().then(async (t) => {
        try { results.set(seq, await task(t)); } finally { release(t); }
        flush();
      });
      // Handled here, rethrown by done(): a task failing before done() is awaited is not an unhandled rejection.
      p.catch(() => {});
      started.push(p);
    },
    async done(): Promise<void> { await Promise.all(started); },
  };
}

interface Observation { readonly observed: string; readonly failure: string | null }

function check(got: { outcome: Parameters<typeof showOutcome>[0] }, want: string): Observation {
  const g = showOutcome(got.outcome);
  return { observed: g, failure: g === want ? null : `expected ${want}, got ${g}` };
}

async function verdictOf(run: () => Promise<Observation>): Promise<{ verdict: Verdict; observed?: string }> {
  try {
    const o = await run();
    return { verdict: o.failure === null ? { kind: 'PASS' } : { kind: 'FAIL', detail: o.failure }, observed: o.observed };
  } catch (e) {
    if (e instanceof TimeoutError) return { verdict: { kind: 'TIMEOUT', detail: e.message } };
    if (e instanceof KernelHealthError) return { verdict: { kind: 'FAIL', detail: e.message } };
    if (e instanceof HarnessError) return { verdict: { kind: 'ERROR', detail: e.message } };
    return { verdict: { kind: 'ERROR', detail: `harness error: ${(e as Error).message}` } };
  }
}
