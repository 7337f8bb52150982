// Runs one fuzz case on the model and on a target and compares them step by step; the first step whose events differ is
// a finding. Each target runs the whole case at once (the kernel in one worker round trip), resolving its own commit ids.
import type { Command, Event } from '../spec/conn/commands.js';
import { traceCase, type CaseTrace, type FuzzCase, type Step } from '../src/target/case.js';
import { showCommand, showEvent } from '../src/target/trace.js';
import type { Target } from '../src/target/target.js';

export interface StepResult { readonly step: string; readonly expected: readonly string[]; readonly observed: readonly string[] }

export interface CaseOutcome {
  readonly steps: readonly StepResult[];
  /** Index of the first differing step, or null. */
  readonly mismatchAt: number | null;
  /** Kernel log lines (WARNING, BUG, hung task…) or a timeout, which are findings on their own. */
  readonly problem: string | null;
  /** Rule rows the model fired in the case (its coverage). */
  readonly fired: readonly string[];
  /** The target's own trace, for callers that summarise what it did. */
  readonly trace: CaseTrace;
  /** Steps from this one on were not compared: the scheduler picks among several outcomes there (the model's why). */
  readonly unjudged?: { readonly from: number; readonly why: string };
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

/** A step's events as sorted lines; clients done together are named in order of their results. */
function lines(step: CaseTrace['steps'][number] | undefined, names: ClientNames): string[] {
  if (step === undefined) return [];
  if ('error' in step) return [step.error.startsWith('not run') ? step.error : `error: ${step.error.replace(/^kernel step \w+ failed: /, '')}`];
  const done = step.filter((e) => e.kind === 'client_done').sort((a, b) => (a.kind === 'client_done' && b.kind === 'client_done' ? a.res - b.res : 0));
  return [...step.filter((e) => e.kind !== 'client_done'), ...done].map((e) => showEvent(names.rename(e))).sort();
}

/** A step's lines without what the scheduler decides: each event's kind, tag and result. */
const shape = (ls: readonly string[]): string => ls.map((l) => l.split(' ').slice(0, 3).join(' ')).sort().join('\n');

export const stepLabel = (s: Step): string => (s.kind === 'uring_cmd' && s.commit
  ? `${showCommand(s as Command)} commit=${s.commit.ref === 'forged' ? 'forged' : `delivered[${s.commit.ref.delivered}]`}${s.commit.sameQueue ? '' : ' other-queue'}`
  : showCommand(s as Command));

/** The target's trace of a case: in one call where it can run whole cases, else step by step through a session. */
export const traceOf = (t: Target, c: FuzzCase): Promise<CaseTrace> => (t.runCase ? t.runCase(c) : traceCase(() => t.open(c.config), c));

export async function runCase(model: Target, target: Target, c: FuzzCase): Promise<CaseOutcome> {
  // The target first: a kernel worker then runs the case while this thread runs the model.
  const kernel = traceOf(target, c).catch((e: Error): CaseTrace => ({ steps: [{ error: e.message }], teardown: [] }));
  const [tt, mt] = await Promise.all([kernel, traceOf(model, c)]);
  const first = compare(c, mt, tt);
  // Where the kernel may go either of two ways, the model took the usual one: run it again following the target's trace.
  if (first.mismatchAt === null || !model.runCase) return first;
  const again = compare(c, await model.runCase(c, tt), tt);
  return again.mismatchAt === null || again.mismatchAt > first.mismatchAt! ? again : first;
}

function compare(c: FuzzCase, mt: CaseTrace, tt: CaseTrace): CaseOutcome {
  const [mn, tn] = [new ClientNames(), new ClientNames()];
  const steps: StepResult[] = [];
  let mismatchAt: number | null = null;
  const racy = mt.schedulerOrder;
  for (let i = 0; i < c.steps.length; i++) {
    if (racy && i > racy.from) break;
    const expected = lines(mt.steps[i], mn), observed = lines(tt.steps[i], tn);
    steps.push({ step: stepLabel(c.steps[i]!), expected, observed });
    // The step that woke them is compared as a count of CQEs and client results, not which request landed where.
    const same = racy && i === racy.from ? shape(expected) === shape(observed) : expected.join('\n') === observed.join('\n');
    if (!same) { mismatchAt = i; break; }
    if (mt.steps[i] === undefined) break;
  }
  const problem = 'error' in tt.teardown ? tt.teardown.error : null;
  return { steps, mismatchAt, problem, fired: mt.fired ?? [], trace: tt, ...(racy ? { unjudged: racy } : {}) };
}
