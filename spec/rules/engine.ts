// Evaluates rule rows in order: effects are applied as reached, the first failing check wins.
import type { Check, EffectName, Row } from './types.js';
import type { Probe } from '../conn/probe.js';

export interface Evaluation {
  readonly failed: Check | null;
  readonly effects: readonly EffectName[];
  /** Ids of the effect rows applied, in order (coverage). */
  readonly applied: readonly string[];
}

/** Walks `rows`; `apply` performs an effect and returns the probe as the next rows see it. */
export function evaluate(rows: readonly Row[], probe: Probe, apply: (e: EffectName, p: Probe) => Probe = (_e, p) => p): Evaluation {
  const effects: EffectName[] = [];
  const applied: string[] = [];
  let p = probe;
  for (const row of rows) {
    if (row.kind === 'effect') {
      if (row.when && !row.when(p)) continue;
      effects.push(row.effect);
      applied.push(row.id);
      p = apply(row.effect, p);
      continue;
    }
    if (row.when(p)) return { failed: row, effects, applied };
  }
  return { failed: null, effects, applied };
}

export const checksOf = (rows: readonly Row[]): Check[] => rows.filter((r): r is Check => r.kind === 'check');
