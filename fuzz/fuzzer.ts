// The differential fuzzer: seeded, bounded by count and time, shrinking and saving each finding.
import fc from 'fast-check';
import type { Fingerprint } from '../src/kernel/fingerprint.js';
import type { Target } from '../src/target/target.js';
import type { RevisionId } from '../spec/types.js';
import { arbCase, DEFAULT_LIMITS, type FuzzCase, type KernelLimits } from './arbitraries.js';
import { Coverage, type CoverageReport } from './coverage.js';
import { Steering } from './steer.js';
import { saveFinding } from './corpus.js';
import { writeReproducer } from './reproC.js';
import { runCase, type CaseOutcome } from './runCase.js';

export interface FuzzOptions {
  readonly model: Target;
  readonly target: Target;
  readonly revision: RevisionId;
  readonly seed: number;
  readonly runs: number;
  readonly seconds: number;
  readonly outDir: string | null;
  readonly nrCpus: number;
  readonly fingerprint: Fingerprint | null;
  readonly progress: (line: string) => void;
  /** How often a shrunk finding is re-run to measure how reliably it reproduces. */
  readonly reproduceRuns?: number;
  /** Stop at the first finding, before shrinking (mutation testing wants time-to-detection). */
  readonly stopAtFirst?: boolean;
  /** Rows fired so far; jobs of one run share it, so each steers toward what none has hit. */
  readonly coverage?: Coverage;
  /** false: fixed weights only, no steering toward unhit rows (to measure what steering buys). */
  readonly steer?: boolean;
  /** The kernel's limits the generated lengths probe around (fs.fuse.max_pages_limit, the page size). */
  readonly limits?: KernelLimits;
}

export interface Finding {
  readonly seed: number; readonly path: string; readonly outcome: CaseOutcome; readonly reproduced: string; readonly file: string | null;
  /** Failed in every re-run: flaky ones are saved and shown but do not fail the run. */
  readonly solid: boolean;
}

export interface FuzzSummary {
  readonly cases: number; readonly steps: number; readonly seconds: number; readonly findings: readonly Finding[];
  readonly coverage: CoverageReport;
  /** Seconds from the start to the run's last newly hit row. */
  readonly lastNewRow: number;
}

const SHRINK_BUDGET_MS = 60_000;

const bad = (o: CaseOutcome) => o.mismatchAt !== null || o.problem !== null;

export async function fuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  let cases = 0, steps = 0, lastLine = 0;
  const findings: Finding[] = [];
  const coverage = o.coverage ?? new Coverage(o.revision, (await o.model.info()).facts ?? {});
  const lim = o.limits ?? DEFAULT_LIMITS;
  const steering = new Steering(o.revision, o.nrCpus, coverage, 14, lim);
  const random = arbCase(o.revision, o.nrCpus, 14, lim);
  const arb = o.steer === false ? random : fc.oneof(random, steering.arbitrary());
  let lastNewRow = 0;
  const tick = () => {
    if (Date.now() - lastLine < 2000) return;
    lastLine = Date.now();
    const s = (Date.now() - t0) / 1000;
    const cov = coverage.report();
    o.progress(`fuzz: ${cases} cases, ${steps} steps, ${(cases / s).toFixed(1)} cases/s, rows ${cov.hit}/${cov.reachable}, ${findings.length} findings, ${s.toFixed(0)} s`);
  };
  // Shrinking is not bounded by fast-check's time limit: past this, runs pass at once so shrinking ends.
  const shrinkDeadline = deadline + SHRINK_BUDGET_MS;
  let seed = o.seed;
  // fast-check's time limit abandons the run in flight; it must finish before the target is used again, or two
  // cases would interleave on one kernel worker (the "lost reply" hang).
  let inflight: Promise<unknown> = Promise.resolve();
  // The last failing run seen (shrinking ends on the smallest): what a divergence that never comes back looked like.
  const lastBad: { v: { c: FuzzCase; out: CaseOutcome } | null } = { v: null };
  while (cases < o.runs && Date.now() < deadline) {
    const check = fc.check(fc.asyncProperty(arb, async (c) => {
      if (Date.now() > shrinkDeadline) return true;
      cases++; steps += c.steps.length; tick();
      const run = runCase(o.model, o.target, c);
      inflight = run.catch(() => null);
      const out = await run;
      if (bad(out)) { lastBad.v = { c, out }; return false; }
      if (steering.observe(c, out.fired).length > 0) lastNewRow = (Date.now() - t0) / 1000;
      return true;
    }), { seed, numRuns: Math.max(1, o.runs - cases), interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false,
      ...(o.stopAtFirst ? { endOnFailure: true } : {}) });
    const result = await check;
    await inflight;
    if (!result.failed || !result.counterexample) break;
    if (o.stopAtFirst) {
      findings.push({ seed, path: result.counterexamplePath ?? '', outcome: { steps: [], mismatchAt: null, problem: null, fired: [], trace: { steps: [], teardown: [] } }, reproduced: '1/1', file: null, solid: true });
      break;
    }
    // fast-check cannot shrink inside a set-up macro or a steered start: drop single steps while the case still fails.
    const c = await minimize(o, result.counterexample[0] as FuzzCase, shrinkDeadline);
    // The saved trace is the final counterexample's own (its first failing re-run), not a shrink attempt's.
    let outcome: CaseOutcome | null = null;
    let hits = 0;
    const n = o.reproduceRuns ?? 3;
    for (let i = 0; i < n; i++) {
      const r = await runCase(o.model, o.target, c);
      if (bad(r)) { hits++; outcome ??= r; }
    }
    if (!outcome) {
      // Kept apart for whoever hunts ghosts: the smallest case that failed once, and what it did then.
      const lb = lastBad.v;
      const ghost = o.outDir && lb ? saveFinding(`${o.outDir}/unreproduced`, {
        found: new Date().toISOString().slice(0, 10), source: `furc fuzz --target ${o.target.name} --revision ${o.revision} --seed ${seed} (failed once, then 0/${n})`,
        seed, path: result.counterexamplePath ?? '', target: o.target.name, fingerprint: o.fingerprint, case: lb.c, steps: lb.out.steps,
        mustReach: lb.c.steps.length, reproduced: `0/${n}`, problem: lb.out.problem,
      }, lb.out) : null;
      o.progress(`fuzz: seed ${seed} path "${result.counterexamplePath}" did not fail again in ${n} re-runs; not a finding${ghost ? ` (its one failure: ${ghost})` : ''}`);
      seed++; continue;
    }
    const path = result.counterexamplePath ?? '';
    let file: string | null = null;
    if (o.outDir) {
      file = saveFinding(o.outDir, {
        found: new Date().toISOString().slice(0, 10), source: `furc fuzz --target ${o.target.name} --revision ${o.revision} --seed ${seed}`,
        seed, path, target: o.target.name, fingerprint: o.fingerprint, case: c, steps: outcome.steps,
        mustReach: c.steps.length, reproduced: `${hits}/${n}`, problem: outcome.problem,
      }, outcome);
      try { writeReproducer(file.replace(/\.json$/, '.c'), c); } catch (e) { o.progress(`fuzz: no C reproducer for ${file}: ${(e as Error).message}`); }
    }
    findings.push({ seed, path, outcome, reproduced: `${hits}/${n}`, file, solid: hits === n });
    o.progress(`fuzz: finding (seed ${seed}, path "${path}", reproduced ${hits}/${n})${file ? ` saved to ${file}` : ''}`);
    seed++;
  }
  return { cases, steps, seconds: (Date.now() - t0) / 1000, findings, coverage: coverage.report(), lastNewRow };
}

/** Removes steps one at a time, last first, keeping each removal after which the case still fails; bounded by `until`. */
async function minimize(o: FuzzOptions, c: FuzzCase, until: number): Promise<FuzzCase> {
  let cur = c;
  for (let i = cur.steps.length - 1; i >= 0 && Date.now() < until; i--) {
    if (cur.steps.length === 1) break;
    const next = { ...cur, steps: cur.steps.filter((_, j) => j !== i) };
    if (bad(await runCase(o.model, o.target, next))) cur = next;
  }
  return cur;
}

/**
 * N fuzzers at once, one per target (each kernel target is its own worker in its own mount namespace), with disjoint
 * seeds (seed + i·1000003) and one shared coverage, so each steers toward rows no job has hit; findings merged.
 */
export async function fuzzJobs(o: Omit<FuzzOptions, 'target'>, targets: readonly Target[]): Promise<FuzzSummary> {
  const coverage = o.coverage ?? new Coverage(o.revision, (await o.model.info()).facts ?? {});
  const per = Math.ceil(o.runs / targets.length);
  const runs = await Promise.all(targets.map((target, i) => fuzz({
    ...o, target, coverage, seed: o.seed + i * JOB_SEED_STRIDE, runs: per,
    progress: targets.length === 1 ? o.progress : (l) => o.progress(l.replace(/^fuzz:/, `fuzz[${i + 1}/${targets.length}]:`)),
  })));
  return {
    cases: runs.reduce((a, r) => a + r.cases, 0), steps: runs.reduce((a, r) => a + r.steps, 0),
    seconds: Math.max(...runs.map((r) => r.seconds)), findings: runs.flatMap((r) => r.findings),
    coverage: coverage.report(), lastNewRow: Math.max(...runs.map((r) => r.lastNewRow)),
  };
}

/** Seeds of job i are seed + i·JOB_SEED_STRIDE: far enough apart that a run's seed++ after findings never reaches the next job's. */
export const JOB_SEED_STRIDE = 1_000_003;
