// Fake builds for the matrix tests: suite reports written from a few observed outcomes, and a runner that serves them.
import type { CaseResult } from '../conformance/verdict.js';
import type { Fingerprint } from '../kernel/fingerprint.js';
import { makeReport, type RunReport } from '../report/report.js';
import { NO_BASELINE, type MatrixBaseline } from './baseline.js';
import type { GuestOutcome, Runner } from './engine.js';
import type { PlanItem } from './plan.js';
import type { Plan } from './report.js';

/** A suite report of `release` in which each rule of family "R0 register" observed the given outcome (PASS unless listed in `fail`). */
export function tSuite(release: string, revision: string, observed: Record<string, string>, fail: readonly string[] = []): RunReport {
  const results: CaseResult[] = Object.entries(observed).map(([rule, o]) => ({
    revision: 'R0', family: 'R0 register', rule, replay: `replay ${rule}`, observed: o,
    verdict: o === 'SKIP' ? { kind: 'SKIP', reason: 'not here' } : fail.includes(rule) ? { kind: 'FAIL', detail: `got ${o}` } : { kind: 'PASS' },
  }));
  return makeReport('kernel', results, { release, revision, fuse_minor: 44 } as unknown as Fingerprint);
}

export const tItem = (label: string, fail?: string): PlanItem => ({
  label, source: `fake ${label}`,
  prepare: async () => { if (fail) throw new Error(fail); return { kernel: `/fake/${label}`, header: null, noHeader: 'fake build', provenance: [`fake ${label}`] }; },
});

/** Serves a fixed outcome per label; a label missing from `by` throws, as a runner whose guest broke would. */
export function tRunner(by: Record<string, GuestOutcome>, delayMs = 0): Runner {
  return async (item) => {
    await new Promise((r) => setTimeout(r, delayMs));
    const g = by[item.label];
    if (!g) throw new Error(`qemu died for ${item.label}`);
    return g;
  };
}

export const tOk = (suite: RunReport): GuestOutcome => ({ suite, fuzz: null, error: null, bootS: 9.5 });

export const tPlan = (builds: readonly string[], baseline: MatrixBaseline = NO_BASELINE): Plan => ({ builds, lists: ['--kernels fake.txt'], seed: 1, fuzzRuns: 0, baseline });
