// Runs one fuzz case on the model and on a target in lock-step; the first step whose events differ is a finding.
import type { Command, Event } from '../spec/model/commands.js';
import { showCommand, showEvent } from '../src/target/trace.js';
import type { Session, Target } from '../src/target/target.js';
import type { FuzzCase, Step } from './arbitraries.js';

export interface StepResult { readonly step: string; readonly expected: readonly string[]; readonly observed: readonly string[] }

export interface CaseOutcome {
  readonly steps: readonly StepResult[];
  /** Index of the first differing step, or null. */
  readonly mismatchAt: number | null;
  /** Kernel log lines (WARNING, BUG, hung task…) or a timeout, which are findings on their own. */
  readonly problem: string | null;
}

/** Per-session bookkeeping that turns a step's symbolic commit reference into that target's real commit id. */
class Resolver {
  private readonly delivered: { commit_id: bigint; qid: number }[] = [];
  private readonly qidOf = new Map<string, number>();
  private umounted = false;

  toCommand(s: Step): Command | null {
    if (s.kind === 'client' && this.umounted) return null;
    if (s.kind === 'umount') this.umounted = true;
    if (s.kind !== 'uring_cmd') return s;
    this.qidOf.set(s.tag, s.sqe.qid);
    if (!s.commit) return { kind: 'uring_cmd', tag: s.tag, sqe: s.sqe };
    const d = s.commit.ref === 'forged' || this.delivered.length === 0 ? null : this.delivered[s.commit.ref.delivered % this.delivered.length]!;
    const qid = d && s.commit.sameQueue ? d.qid : s.sqe.qid;
    this.qidOf.set(s.tag, qid);
    return { kind: 'uring_cmd', tag: s.tag, sqe: { ...s.sqe, qid, commit_id: d ? d.commit_id : (1n << 40n) + 12345n } };
  }

  /** Requests delivered in one step are ordered by tag, so both targets number them alike. */
  absorb(events: readonly Event[]): void {
    const got = events.filter((e): e is Extract<Event, { kind: 'cqe' }> => e.kind === 'cqe' && e.req !== undefined)
      .sort((a, b) => a.tag.localeCompare(b.tag));
    for (const e of got) this.delivered.push({ commit_id: e.req!.commit_id, qid: this.qidOf.get(e.tag) ?? 0 });
  }
}

/**
 * Clients woken together race for /dev/fuse and for ring entries, so which of them finishes first is the scheduler's
 * choice: client tags are compared as "the k-th client to finish" in each trace (a consistent renaming).
 */
class ClientNames {
  private readonly names = new Map<string, string>();
  rename(e: Event): Event {
    if (e.kind !== 'client_done') return e;
    if (!this.names.has(e.tag)) this.names.set(e.tag, `client#${this.names.size + 1}`);
    return { ...e, tag: this.names.get(e.tag)! };
  }
}

async function step(session: Session, r: Resolver, names: ClientNames, s: Step): Promise<string[]> {
  const cmd = r.toCommand(s);
  if (!cmd) return ['not run: the mount is gone'];
  try {
    const ev = await session.run(cmd);
    r.absorb(ev);
    const done = ev.filter((e) => e.kind === 'client_done').sort((a, b) => (a.kind === 'client_done' && b.kind === 'client_done' ? a.res - b.res : 0));
    return [...ev.filter((e) => e.kind !== 'client_done'), ...done].map((e) => showEvent(names.rename(e))).sort();
  } catch (e) {
    return [`error: ${(e as Error).message.replace(/^kernel step \w+ failed: /, '')}`];
  }
}

const label = (s: Step) => (s.kind === 'uring_cmd' && s.commit ? `${showCommand(s as Command)} commit=${s.commit.ref === 'forged' ? 'forged' : `delivered[${s.commit.ref.delivered}]`}${s.commit.sameQueue ? '' : ' other-queue'}` : showCommand(s as Command));

export async function runCase(model: Target, target: Target, c: FuzzCase): Promise<CaseOutcome> {
  const [ms, ts] = [await model.open(c.config), await target.open(c.config)];
  const [mr, tr] = [new Resolver(), new Resolver()];
  const [mn, tn] = [new ClientNames(), new ClientNames()];
  const steps: StepResult[] = [];
  let mismatchAt: number | null = null;
  let problem: string | null = null;
  try {
    for (const s of c.steps) {
      const expected = await step(ms, mr, mn, s);
      const observed = await step(ts, tr, tn, s);
      steps.push({ step: label(s), expected, observed });
      if (expected.join('\n') !== observed.join('\n')) { mismatchAt = steps.length - 1; break; }
    }
  } finally {
    await ms.close().catch(() => []);
    try { await ts.close(); } catch (e) { problem = (e as Error).message; }
  }
  return { steps, mismatchAt, problem };
}
