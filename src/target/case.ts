// A whole case as data: a connection set-up and steps whose COMMITs name their commit ids symbolically, so one case
// replays on any target (each resolves the ids it was given); the unit the fuzzer generates and the corpus stores.
import type { Command, ConnConfig, Event } from '../../spec/conn/commands.js';

/** A commit id named by what the test saw, resolved per target: the k-th delivered request, or one never issued. */
export type CommitRef = { readonly delivered: number } | 'forged';

/** A step: a Command whose COMMIT names its commit id symbolically and may pick the delivering queue. */
export type Step =
  | Exclude<Command, { kind: 'uring_cmd' }>
  | { readonly kind: 'uring_cmd'; readonly tag: string; readonly sqe: Extract<Command, { kind: 'uring_cmd' }>['sqe']; readonly commit?: { readonly ref: CommitRef; readonly sameQueue: boolean } };

export interface FuzzCase { readonly config: ConnConfig; readonly steps: readonly Step[] }

/** What a target made of a case: each step's events (or why it could not run), and the teardown's. */
export interface CaseTrace {
  readonly steps: readonly (readonly Event[] | { readonly error: string })[];
  readonly teardown: readonly Event[] | { readonly error: string };
  /** The model's trace only: the rule rows that fired and the effect rows applied (coverage). */
  readonly fired?: readonly string[];
  /** The model's trace only: from this step on it is one of several orders the scheduler may pick, and why. */
  readonly schedulerOrder?: { readonly from: number; readonly why: string };
}

/** A commit id that no request carries: far past any unique a case can reach. */
export const FORGED_COMMIT_ID = (1n << 40n) + 12345n;

/** Per-session bookkeeping that turns a step's symbolic commit reference into that target's real commit id. */
export class Resolver {
  private readonly delivered: { commit_id: bigint; qid: number }[] = [];
  private readonly qidOf = new Map<string, number>();
  private umounted: boolean;

  /** A connection without a mount (an unbound /dev/fuse) has no path for a client either. */
  constructor(mounted = true) { this.umounted = !mounted; }

  /** The Command to run for a step, or null when it cannot run (a client when there is no mount). */
  toCommand(s: Step): Command | null {
    if (s.kind === 'client' && this.umounted) return null;
    if (s.kind === 'umount') this.umounted = true;
    if (s.kind !== 'uring_cmd') return s;
    this.qidOf.set(s.tag, s.sqe.qid);
    if (!s.commit) return { kind: 'uring_cmd', tag: s.tag, sqe: s.sqe };
    const d = s.commit.ref === 'forged' || this.delivered.length === 0 ? null : this.delivered[s.commit.ref.delivered % this.delivered.length]!;
    const qid = d && s.commit.sameQueue ? d.qid : s.sqe.qid;
    this.qidOf.set(s.tag, qid);
    return { kind: 'uring_cmd', tag: s.tag, sqe: { ...s.sqe, qid, commit_id: d ? d.commit_id : FORGED_COMMIT_ID } };
  }

  /** Requests delivered in one step are ordered by tag, so both targets number them alike. */
  absorb(events: readonly Event[]): void {
    const got = events.filter((e): e is Extract<Event, { kind: 'cqe' }> => e.kind === 'cqe' && e.req !== undefined)
      .sort((a, b) => a.tag.localeCompare(b.tag));
    for (const e of got) this.delivered.push({ commit_id: e.req!.commit_id, qid: this.qidOf.get(e.tag) ?? 0 });
  }
}

export const NOT_RUN = 'not run: no mount';

/** Runs a case step by step through any session-like runner; a step that throws is recorded and ends the case. */
export async function traceCase(open: () => Promise<{ run: (c: Command, step: number) => Promise<Event[]>; close: () => Promise<Event[]> }>, c: FuzzCase): Promise<CaseTrace> {
  const s = await open();
  const r = new Resolver(c.config.mount);
  const steps: (readonly Event[] | { error: string })[] = [];
  for (const st of c.steps) {
    const cmd = r.toCommand(st);
    if (!cmd) { steps.push({ error: NOT_RUN }); continue; }
    try {
      const ev = await s.run(cmd, steps.length);
      r.absorb(ev);
      steps.push(ev);
    } catch (e) { steps.push({ error: (e as Error).message }); break; }
  }
  let teardown: readonly Event[] | { error: string };
  try { teardown = await s.close(); } catch (e) { teardown = { error: (e as Error).message }; }
  return { steps, teardown };
}
