// furc race on the host side: iterations across scenarios until the budget is spent, findings saved, leftovers checked.
import { ROOT } from '../paths.js';
import type { RevisionId } from '../../spec/types.js';
import { scaled } from '../kernel/timeScale.js';
import { WorkerChannel } from '../kernel/workerChannel.js';
import { HarnessError, TimeoutError } from '../target/errors.js';
import type { Finding, IterationRequest, IterationResult } from './iteration.js';
import { fusectlIds, leftovers, type Leftovers } from './leftovers.js';
import { outcomeKey } from './outcome.js';
import type { Hello, RaceWorkerRequest } from './raceWorker.js';
import { SCENARIOS } from './scenarios/index.js';

export const RACE_WORKER = `${ROOT}dist/src/race/raceWorker.js`;

export interface RaceOptions {
  /** Scenario ids to run (null: every one the kernel's revision has). */
  readonly scenarios: readonly string[] | null;
  readonly seconds: number;
  readonly iterations: number | null;
  /** Index of the first iteration (its jitter and its scenario, round-robin from the first). */
  readonly from?: number;
  readonly seed: number;
  readonly maxJitterNs: number;
  readonly mutant?: string;
  readonly stall?: 'client';
  readonly revision?: RevisionId;
  /** Workers racing at once, each in its own mount namespace (default 1). */
  readonly jobs?: number;
  readonly say: (s: string) => void;
  /** Called with every finding as it is found (the CLI saves corpus files). */
  readonly onFinding?: (f: RaceFinding) => void;
  /** Called with what the worker said of this kernel (again after a worker restart). */
  readonly onHello?: (h: Hello) => void;
}

export interface ScenarioStats {
  iterations: number;
  /** Outcome key → how often it was seen. */
  readonly outcomes: Map<string, number>;
  allowed: number;
  findings: number;
  ms: number;
  /** Requests delivered over the ring, all iterations together. */
  requests: number;
}

export interface RaceFinding {
  readonly scenario: string;
  readonly iteration: number;
  readonly seed: number;
  readonly jitterNs: readonly number[];
  readonly finding: Finding;
  readonly outcome: readonly string[];
}

export interface RaceSummary {
  readonly hello: Hello | null;
  /** Worker start and revision detection, before the budget started. */
  readonly helloMs: number;
  readonly jobs: number;
  /** Iterations each worker ran. */
  readonly byJob: readonly number[];
  readonly iterations: number;
  readonly seconds: number;
  readonly scenarios: ReadonlyMap<string, ScenarioStats>;
  readonly findings: readonly RaceFinding[];
  readonly errors: readonly string[];
  readonly leftovers: Leftovers;
}

/** Bound on one iteration as the runner sees it; past it the worker is killed with its stacks (the worker's own are shorter). */
const ITERATION_DEADLINE = scaled(60_000);

export async function race(o: RaceOptions): Promise<RaceSummary> {
  const fusectlBefore = (await fusectlIds())?.length ?? null;
  const jobs = o.jobs ?? 1;
  const channels = Array.from({ length: jobs }, () => new WorkerChannel(ITERATION_DEADLINE, RACE_WORKER));
  const pids = new Set<number>();
  const conns: number[] = [];
  const stats = new Map<string, ScenarioStats>();
  const findings: RaceFinding[] = [];
  const errors: string[] = [];
  let hello: Hello | null = null;
  let iterations = 0;
  const byJob = channels.map(() => 0);
  // The budget starts once the workers are up and the kernel's revision known (slow under emulation).
  let t0 = Date.now();
  let helloMs = 0;
  const call = async (channel: WorkerChannel, r: RaceWorkerRequest, what: string) => {
    const reply = await channel.call(r as never, what) as unknown as { ok: boolean; error?: string; race?: unknown };
    if (channel.pid) pids.add(channel.pid);
    if (!reply.ok) throw new HarnessError(reply.error ?? `${what} failed`);
    return reply.race;
  };
  // Which worker process each channel last greeted: a restarted one is greeted again before its next iteration.
  const greeted = new Map<WorkerChannel, number | undefined>();
  const greet = async (channel: WorkerChannel, revision: RevisionId | undefined): Promise<Hello> => {
    const h = await call(channel, { op: 'hello', ...(revision ? { revision } : {}) }, 'race worker hello (revision detection)') as Hello;
    h.clientPids.forEach((p) => pids.add(p));
    greeted.set(channel, channel.pid);
    o.onHello?.(h);
    return h;
  };
  try {
    // The first worker detects the revision; the others race it as that one (one detection touches the kernel, not N).
    hello = await greet(channels[0]!, o.revision);
    const rev = hello.revision;
    if (rev !== 'none') await Promise.all(channels.slice(1).map((c) => greet(c, rev)));
    helloMs = Date.now() - t0;
    t0 = Date.now();
    if (rev === 'none') return await done();
    const list = SCENARIOS.filter((s) => s.revisions.includes(rev) && (o.scenarios === null || o.scenarios.includes(s.id)));
    if (list.length === 0) { errors.push(`no race scenario of ${o.scenarios?.join(', ') ?? 'any'} applies to ${rev}`); return await done(); }
    for (const s of list) stats.set(s.id, { iterations: 0, outcomes: new Map(), allowed: 0, findings: 0, ms: 0, requests: 0 });
    const deadline = t0 + o.seconds * 1000;
    let lastSaid = Date.now();
    const from = o.from ?? 0;
    // Iterations are numbered in one sequence whatever runs them: iteration i's jitter and scenario depend on i alone,
    // so a finding replays with --from i --iterations 1 and one job.
    let next = from;
    const take = (): number | null =>
      (o.iterations === null || next < from + o.iterations) && Date.now() < deadline && errors.length < 3 ? next++ : null;
    const work = async (channel: WorkerChannel, job: number) => {
      for (let i = take(); i !== null; i = take()) {
        const s = list[i % list.length]!;
        const req: IterationRequest = { scenario: s.id, seed: o.seed, iteration: i, maxJitterNs: o.maxJitterNs, ...(o.mutant ? { mutant: o.mutant } : {}), ...(o.stall ? { stall: o.stall } : {}) };
        const st = stats.get(s.id)!;
        try {
          if (channel.pid !== greeted.get(channel)) await greet(channel, rev);
          const r = await call(channel, { op: 'iteration', req }, `race ${s.id} iteration ${i}`) as IterationResult;
          conns.push(r.conn);
          st.iterations++;
          st.ms += r.ms;
          st.requests += r.requests;
          st.allowed = r.allowed;
          const k = outcomeKey(r.outcome);
          st.outcomes.set(k, (st.outcomes.get(k) ?? 0) + 1);
          for (const f of r.findings) record({ scenario: s.id, iteration: i, seed: o.seed, jitterNs: r.jitterNs, finding: f, outcome: r.outcome });
        } catch (e) {
          if (e instanceof TimeoutError) {
            st.iterations++;
            record({ scenario: s.id, iteration: i, seed: o.seed, jitterNs: [], finding: { kind: 'hang', what: `the worker did not answer within ${ITERATION_DEADLINE} ms`, stacks: e.message }, outcome: [] });
          } else if (e instanceof HarnessError) errors.push(`${s.id} iteration ${i}: ${e.message}`);
          else throw e;
        }
        iterations++;
        byJob[job]!++;
        if (Date.now() - lastSaid > 10_000) { lastSaid = Date.now(); o.say(`furc race: ${iterations} iterations, ${findings.length} findings, ${Math.round((Date.now() - t0) / 1000)} s`); }
      }
    };
    await Promise.all(channels.map(work));
    return await done();
  } finally {
    channels.forEach((c) => c.dispose());
  }

  function record(f: RaceFinding): void {
    findings.push(f);
    const st = stats.get(f.scenario);
    if (st) st.findings++;
    o.onFinding?.(f);
  }

  async function done(): Promise<RaceSummary> {
    channels.forEach((c) => c.dispose());
    // The workers are SIGKILLed: their mount namespaces, clients (PR_SET_PDEATHSIG) and file descriptors go with them.
    await waitGone([...pids], 5000);
    const left = await leftovers({ conns, pids: [...pids], fusectlBefore });
    return { hello, helloMs, jobs, byJob, iterations, seconds: (Date.now() - t0) / 1000, scenarios: stats, findings, errors, leftovers: left };
  }
}

async function waitGone(pids: readonly number[], ms: number): Promise<void> {
  const { processAlive } = await import('../kernel/procfs.js');
  const until = Date.now() + ms;
  while (pids.some(processAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
