// The differential fuzzer: seeded, bounded by count and time, shrinking and saving each finding.
import fc from 'fast-check';
import type { Fingerprint } from '../src/kernel/fingerprint.js';
import type { Target } from '../src/target/target.js';
import type { RevisionId } from '../spec/types.js';
import { arbCase, type FuzzCase } from './arbitraries.js';
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
}

export interface Finding {
  readonly seed: number; readonly path: string; readonly outcome: CaseOutcome; readonly reproduced: string; readonly file: string | null;
  /** Failed in every re-run: flaky ones are saved and shown but do not fail the run. */
  readonly solid: boolean;
}

export interface FuzzSummary { readonly cases: number; readonly steps: number; readonly seconds: number; readonly findings: readonly Finding[] }

const SHRINK_BUDGET_MS = 60_000;

const bad = (o: CaseOutcome) => o.mismatchAt !== null || o.problem !== null;

export async function fuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  let cases = 0, steps = 0, lastLine = 0;
  const findings: Finding[] = [];
  const tick = () => {
    if (Date.now() - lastLine < 2000) return;
    lastLine = Date.now();
    const s = (Date.now() - t0) / 1000;
    o.progress(`fuzz: ${cases} cases, ${steps} steps, ${(cases / s).toFixed(1)} cases/s, ${findings.length} findings, ${s.toFixed(0)} s`);
  };
  // Shrinking is not bounded by fast-check's time limit: past this, runs pass at once so shrinking ends.
  const shrinkDeadline = deadline + SHRINK_BUDGET_MS;
  let seed = o.seed;
  // fast-check's time limit abandons the run in flight; it must finish before the target is used again, or two
  // cases would interleave on one kernel worker (the "lost reply" hang).
  let inflight: Promise<unknown> = Promise.resolve();
  while (cases < o.runs && Date.now() < deadline) {
    const check = fc.check(fc.asyncProperty(arbCase(o.revision, o.nrCpus), async (c) => {
      if (Date.now() > shrinkDeadline) return true;
      cases++; steps += c.steps.length; tick();
      const run = runCase(o.model, o.target, c);
      inflight = run.catch(() => null);
      return !bad(await run);
    }), { seed, numRuns: Math.max(1, o.runs - cases), interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false,
      ...(o.stopAtFirst ? { endOnFailure: true } : {}) });
    const result = await check;
    await inflight;
    if (!result.failed || !result.counterexample) break;
    if (o.stopAtFirst) {
      findings.push({ seed, path: result.counterexamplePath ?? '', outcome: { steps: [], mismatchAt: null, problem: null }, reproduced: '1/1', file: null, solid: true });
      break;
    }
    const c = result.counterexample[0] as FuzzCase;
    // The saved trace is the final counterexample's own (its first failing re-run), not a shrink attempt's.
    let outcome: CaseOutcome | null = null;
    let hits = 0;
    const n = o.reproduceRuns ?? 3;
    for (let i = 0; i < n; i++) {
      const r = await runCase(o.model, o.target, c);
      if (bad(r)) { hits++; outcome ??= r; }
    }
    if (!outcome) { o.progress(`fuzz: seed ${seed} path "${result.counterexamplePath}" did not fail again in ${n} re-runs; not saved`); seed++; continue; }
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
  return { cases, steps, seconds: (Date.now() - t0) / 1000, findings };
}
