// Runs a probe scenario on any target and reports the probe's observable outcome.
import type { Event } from '../../spec/conn/commands.js';
import { PROBE_TAG, probeCommand } from '../../spec/rules/scenario.js';
import type { Scenario } from '../../spec/rules/types.js';
import type { Target } from './target.js';

/** held: no CQE for the probe; cqe: its result; client: what a client saw after it; blocked: its submission slept until interrupted. */
export type ProbeOutcome =
  | { readonly kind: 'held' }
  | { readonly kind: 'cqe'; readonly res: number }
  | { readonly kind: 'client'; readonly res: number }
  | { readonly kind: 'blocked'; readonly res: number | null };

export async function runScenario(target: Target, s: Scenario, observe: 'cqe' | 'client' = 'cqe'): Promise<{ outcome: ProbeOutcome; trace: Event[] }> {
  const session = await target.open(s.config);
  const trace: Event[] = [];
  try {
    for (const c of s.prior) trace.push(...(await session.run(c)));
    const ev = await session.run(probeCommand(s));
    trace.push(...ev);
    if (observe === 'client') {
      const done = ev.find((e) => e.kind === 'client_done');
      return { outcome: done && done.kind === 'client_done' ? { kind: 'client', res: done.res } : { kind: 'held' }, trace };
    }
    const cqe = ev.find((e) => e.kind === 'cqe' && e.tag === PROBE_TAG);
    const res = cqe && cqe.kind === 'cqe' ? cqe.res : null;
    if (ev.some((e) => e.kind === 'blocked' && e.tag === PROBE_TAG)) return { outcome: { kind: 'blocked', res }, trace };
    return { outcome: res !== null ? { kind: 'cqe', res } : { kind: 'held' }, trace };
  } finally {
    trace.push(...(await session.close()));
  }
}
