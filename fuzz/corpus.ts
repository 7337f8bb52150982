// Regression corpus: one finding per file, fixtures/regressions/<hash>-<slug>.json, replayable on any target.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { UsageError } from '../spec/errors.js';
import { fromWire, toWire } from '../src/kernel/wire.js';
import type { Fingerprint } from '../src/kernel/fingerprint.js';
import type { FuzzCase } from '../src/target/case.js';
import type { CaseOutcome, StepResult } from './runCase.js';

export interface CorpusEntry {
  readonly title: string;
  readonly found: string;
  readonly source: string;
  readonly seed: number;
  readonly path: string;
  readonly target: 'kernel' | 'model';
  readonly fingerprint: Fingerprint | null;
  readonly case: FuzzCase;
  /** Per step: the model's events (expected) and the target's (observed) when it was found. */
  readonly steps: readonly StepResult[];
  /** Replays must get this far (1-based step count), so a replay cannot pass by stopping early. */
  readonly mustReach: number;
  readonly reproduced: string;
  readonly problem: string | null;
  /** A known kernel bug: replay reports XFAIL while it still differs. */
  readonly xfail?: { readonly rule: string; readonly link: string };
}

export class CorpusError extends UsageError {}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);

export function saveFinding(dir: string, e: Omit<CorpusEntry, 'title'>, outcome: CaseOutcome): string {
  const at = outcome.mismatchAt ?? outcome.steps.length - 1;
  const title = outcome.problem ? `kernel problem: ${outcome.problem.split('\n')[1] ?? outcome.problem}` : `differs at step ${at + 1}: ${outcome.steps[at]?.step}`;
  const hash = createHash('sha1').update(toWire(e.case)).digest('hex').slice(0, 12);
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${hash}-${slug(outcome.steps[at]?.step ?? 'problem')}.json`;
  writeFileSync(file, JSON.stringify(JSON.parse(toWire({ title, ...e })), null, 2) + '\n');
  return file;
}

export function loadEntry(file: string): CorpusEntry {
  let v: CorpusEntry;
  try { v = fromWire(readFileSync(file, 'utf8')) as CorpusEntry; } catch (e) { throw new CorpusError(`${file}: not a readable corpus file (${(e as Error).message.split('\n')[0]})`); }
  if (!v?.case?.config || !Array.isArray(v.case.steps) || typeof v.mustReach !== 'number') throw new CorpusError(`${file}: not a corpus file (needs case.config, case.steps and mustReach)`);
  return v;
}
