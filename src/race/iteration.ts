// One race iteration in the worker: a fresh connection, the program on its threads, every wait bounded, then the verdict.
import type { NativeProbe } from '../../native-probe/index.js';
import type { RaceState } from '../../native-probe/index.js';
import type { ConnConfig } from '../../spec/conn/commands.js';
import { errnoName, negErrno } from '../../spec/errno.js';
import type { Revision } from '../../spec/revisions.js';
import { asleepInFuse, decode as decodeClientAnswer, taskState, type ClientPool } from '../kernel/clients.js';
import type { ParamLock } from '../kernel/paramLock.js';
import { blockedStacks } from '../kernel/stuck.js';
import { scaled } from '../kernel/timeScale.js';
import { materialize } from './arena.js';
import { ABORT_FD, CLIENT_FD0, FUSE_FD, RaceBuild, type BuiltRace } from './build.js';
import { jitters } from './jitter.js';
import type { Kmsg } from './kmsg.js';
import { MUTANTS } from './mutants.js';
import { allowedOutcomes, nearest, type Allowed } from './oracle.js';
import { kernelLines, lineKind, outcomeKey, type KernelObservation, type Outcome } from './outcome.js';
import { encodeProgram, resolve } from './program.js';
import { RACE_STATUS } from './programLayout.js';
import { RaceConn } from './raceConn.js';
import { SCENARIOS, type RaceScenario } from './scenarios/index.js';
import { busyIoWorkers, threadStack, uninterruptible } from './tasks.js';

/** The pool slot the teardown's umount runs in (scenarios use the ones below it). */
export const UMOUNT_SLOT = ABORT_FD - CLIENT_FD0 - 1;
const NAP = new Int32Array(new SharedArrayBuffer(4));
const nap = (ms: number) => Atomics.wait(NAP, 0, 0, ms);

export interface IterationRequest {
  readonly scenario: string;
  readonly seed: number;
  readonly iteration: number;
  readonly maxJitterNs: number;
  /** A deliberately wrong model (src/race/mutants.ts), for the harness's own test. */
  readonly mutant?: string;
  /** 'client': the teardown waits for clients before its abort, so one with an unanswered request outlives the bound. */
  readonly stall?: 'client';
}

export type Finding =
  /** `inside`: kernel stacks of the clients still waiting once the race had settled, before the teardown's abort. */
  | { readonly kind: 'outcome'; readonly observed: Outcome; readonly allowed: number; readonly nearest: ReturnType<typeof nearest>; readonly inside: string }
  | { readonly kind: 'hang'; readonly what: string; readonly stacks: string }
  | { readonly kind: 'splat'; readonly lines: readonly string[] }
  | { readonly kind: 'leak'; readonly what: string };

export interface IterationResult {
  readonly scenario: string;
  /** The fusectl id of the iteration's connection (it must be gone afterwards). */
  readonly conn: number;
  readonly iteration: number;
  readonly seed: number;
  readonly jitterNs: readonly number[];
  readonly outcome: Outcome;
  readonly allowed: number;
  readonly findings: readonly Finding[];
  /** Wall time of the whole iteration and of the program alone (first step to last), ms. */
  readonly ms: number;
  readonly raceMs: number;
  /** Requests the kernel delivered to the ring in this iteration (CQEs of 0 with a request). */
  readonly requests: number;
}

export interface WorkerCtx {
  readonly p: NativeProbe;
  readonly pool: ClientPool;
  readonly lock: ParamLock | null;
  readonly rev: Revision;
  readonly cfg: ConnConfig;
  readonly nrCpus: number;
  readonly kmsg: Kmsg;
  /** Allowed outcomes per scenario and model variant: they do not depend on the jitter. */
  readonly allowed: Map<string, Allowed>;
}

export class IterationError extends Error {}

export function scenario(id: string): RaceScenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new IterationError(`unknown race scenario ${id}`);
  return s;
}

/** The race of one iteration, built the same way in the worker and (for reproducers) in the runner. */
export function buildRace(rev: Revision, cfg: ConnConfig, nrCpus: number, req: Pick<IterationRequest, 'scenario' | 'seed' | 'iteration' | 'maxJitterNs'>, timeScale: number): { built: BuiltRace; jitterNs: number[] } {
  const s = scenario(req.scenario);
  const js = jitters(req.seed, req.scenario, req.iteration, 16, req.maxJitterNs);
  const b = new RaceBuild({ rev, cfg, jitterNs: (t) => js[t]!, maxJitterNs: req.maxJitterNs, timeScale });
  s.build(b, nrCpus);
  const built = b.done();
  return { built, jitterNs: js.slice(0, built.program.threads.length) };
}

function stateOf(p: NativeProbe): RaceState {
  const st = p.raceState();
  if (typeof st === 'number') throw new IterationError(`raceState: ${st}`);
  return st;
}

export function runIteration(ctx: WorkerCtx, req: IterationRequest, onConnection: (id: number) => void): IterationResult {
  const t0 = Date.now();
  const { p, pool } = ctx;
  const { built, jitterNs } = buildRace(ctx.rev, ctx.cfg, ctx.nrCpus, req, Number(process.env.FURC_TIME_SCALE ?? 1) || 1);
  const variant = req.mutant ? MUTANTS[req.mutant]?.variant : undefined;
  if (req.mutant && !variant) throw new IterationError(`unknown model mutant ${req.mutant}`);
  const key = `${req.scenario}/${req.mutant ?? ''}`;
  if (!ctx.allowed.has(key)) ctx.allowed.set(key, allowedOutcomes(ctx.cfg, built, variant));
  const allowed = ctx.allowed.get(key)!;
  const findings: Finding[] = [];
  const hang = (what: string, stacks: string) => findings.push({ kind: 'hang', what, stacks });
  const bound = scaled(3000);

  ctx.lock?.acquire('Y');
  const conn = new RaceConn(p, ctx.cfg);
  onConnection(conn.id);
  ctx.kmsg.mark(`race/${req.scenario}#${req.iteration}`);
  const clientTags = new Map<number, string>([...built.clients].map(([tag, c]) => [c.slot, tag]));
  const answers = new Map<string, number>();
  const pollClients = () => { for (const { slot, answer } of pool.poll()) { const tag = clientTags.get(slot); if (tag) answers.set(tag, answer.res); } };
  const busySlots = () => [...built.clients.values()].map((c) => c.slot).filter((s) => pool.busy(s));
  const clientStacks = (slots: readonly number[]) => slots.map((s) => blockedStacks(pool.pid(s))).join('\n');
  let raceMs = 0;
  let requests = 0;
  let st: RaceState | null = null;
  try {
    // Clients that must already wait: started first, each until it sleeps in FUSE.
    for (const c of built.preClients) pool.submit(c.slot, { ...c.req, path: conn.dir });
    const until = Date.now() + bound;
    while (built.preClients.some((c) => pool.busy(c.slot) && !asleepInFuse(taskState(pool.pid(c.slot))))) {
      if (Date.now() > until) { hang('a client started before the race did not fall asleep in FUSE', clientStacks(built.preClients.map((c) => c.slot))); break; }
      pollClients();
      nap(1);
    }

    const mem = p.alloc(built.arena.size);
    if (typeof mem === 'number') throw new IterationError(`arena of ${built.arena.size} bytes: ${mem}`);
    const fds: number[] = [];
    fds[FUSE_FD] = conn.fusefd;
    for (let s = 0; s <= UMOUNT_SLOT; s++) fds[CLIENT_FD0 + s] = pool.fdOf(s);
    fds[ABORT_FD] = conn.abortFd;
    materialize(built.arena, new Uint8Array(mem), p.addressOf(mem), fds, { mountpoint: conn.dir });
    const started = p.raceStart(encodeProgram(built.program), mem, fds);
    if (started < 0) throw new IterationError(`raceStart: ${started}`);

    // The program: every thread reaches its end (or exits) within the bound, or its stack is the finding.
    if (p.raceWait(bound) > 0) {
      const s = stateOf(p);
      const stuck = s.threads.map(([tid, state, pc], t) => ({ tid, state, pc, t })).filter((x) => x.state === 1);
      hang(`race threads still running their steps after ${bound} ms: ${stuck.map((x) => `${built.program.threads[x.t]!.name} at step ${x.pc}`).join(', ')}`,
        [...stuck.map((x) => threadStack(x.tid, `thread ${built.program.threads[x.t]!.name}`)), clientStacks(busySlots())].join('\n'));
      p.raceStop();
      conn.abort();
      p.raceWait(bound);
    }
    st = stateOf(p);
    raceMs = Math.max(0, ...st.rows.map((r) => r[6])) / 1e6;
    // Clients a thread started owe an answer now; so does a looping client whose last op had no answer in time.
    const starts = writeFdSlots(built, st);
    for (const slot of starts) pool.expect(slot);
    const arena = new Uint8Array(mem);
    for (const l of built.loops) {
      if (arena[l.owes] === 1) { pool.expect(l.slot); continue; }
      const last = decodeClientAnswer(Buffer.from(arena.subarray(l.answer, l.answer + 24))).res;
      // A loop that ended on the flag after a good answer says nothing about the teardown.
      if (last < 0) answers.set(l.tag, last);
    }
    if (st.rows.some((r) => isStep(built, r, 'close_fd'))) conn.fdClosed = true;
    if (st.rows.some((r) => isStep(built, r, 'umount') && r[4] === 0)) conn.unmounted = true;

    settle(ctx, built, pollClients, busySlots, bound, hang);
    const inside = clientStacks(busySlots());
    const dev = conn.pendingOnDev();

    // Teardown: abort, then every SQE still held on an open ring completes, every client returns, the mount goes.
    if (req.stall !== 'client') conn.abort();
    reapHeld(ctx, built, bound, hang);
    waitClients(pollClients, busySlots, bound, hang, clientStacks, req.stall === 'client' ? 'with the teardown abort held back (injected stall)' : 'after the abort');
    if (req.stall === 'client') { conn.abort(); waitClients(pollClients, busySlots, bound, hang, clientStacks, 'after the late abort'); reapHeld(ctx, built, bound, hang); }
    for (const slot of busySlots()) pool.replace(slot);
    st = stateOf(p);
    const observation: KernelObservation = {
      submits: new Map(st.rows.filter((r) => isStep(built, r, 'submit')).map((r) => [BigInt(r[2]), { status: r[3], res: r[4] }])),
      cqes: st.cqes.map(([, ud, res, , , , snap]) => ({ ud, res, snap })),
      clients: answers, dev,
    };
    const lines = kernelLines(built, ctx.rev, observation);
    requests = lines.filter((l) => / 0 op=\d+$/.test(l)).length;
    // Loops make whole outcomes incomparable: the lines oracle keeps each kind of line once.
    const outcome = built.oracle === 'lines' ? [...new Set(lines.map((l) => lineKind(built, l)))].sort() : lines;
    if (built.oracle === 'lines') {
      const kinds = new Set([...allowed.outcomes.values()].flatMap((a) => a.outcome.map((l) => lineKind(built, l))));
      // A serving thread that got a request just before the server closed its rings submits its COMMIT to a closed ring
      // fd: io_uring_enter answers -EBADF. That is the server's own thread, not FUSE, so a queue that commits may show it.
      if (built.racing.some((r) => r.some((c) => c.kind === 'server_exit'))) {
        for (const k of [...kinds]) { const q = /^(q\d+) 0$/.exec(k); if (q) kinds.add(lineKind(built, `${q[1]} ${errnoName(negErrno('EBADF'))}`)); }
      }
      const odd = outcome.filter((k) => !kinds.has(k));
      if (odd.length) findings.push({ kind: 'outcome', observed: odd, allowed: kinds.size, nearest: { outcome: [...kinds].sort(), order: ['(any ordering: lines oracle)'], missing: [], extra: odd }, inside });
    } else if (!allowed.outcomes.has(outcomeKey(outcome))) findings.push({ kind: 'outcome', observed: outcome, allowed: allowed.outcomes.size, nearest: nearest(allowed, outcome), inside });
    return finish(outcome);
  } finally {
    try { teardown(ctx, conn, [...built.clients.values()].map((c) => c.slot), bound, (f) => findings.push(f)); } finally { conn.dispose(); }
    ctx.lock?.release();
  }

  function finish(outcome: Outcome): IterationResult {
    return { scenario: req.scenario, conn: conn.id, iteration: req.iteration, seed: req.seed, jitterNs, outcome, allowed: allowed.outcomes.size, findings, ms: Date.now() - t0, raceMs, requests };
  }
}

/** Every step of the program by its global index (what result rows name), resolved once per race. */
const flatSteps = (() => {
  const cache = new WeakMap<BuiltRace, ReturnType<typeof resolve>['steps']>();
  return (b: BuiltRace) => {
    let steps = cache.get(b);
    if (!steps) { steps = b.program.threads.flatMap((t) => resolve(t).steps); cache.set(b, steps); }
    return steps;
  };
})();

const stepOf = (b: BuiltRace, r: RaceState['rows'][number]) => flatSteps(b)[r[1]]!;

/** Whether result row `r` is of a step with op `op`. */
const isStep = (b: BuiltRace, r: RaceState['rows'][number], op: string): boolean => stepOf(b, r).op === op;

/** Pool slots whose op a thread wrote to its socket (write_fd rows that wrote the whole op). */
function writeFdSlots(b: BuiltRace, st: RaceState): number[] {
  return st.rows.flatMap((r) => { const s = stepOf(b, r); return s.op === 'write_fd' && s.fd !== ABORT_FD && r[4] > 0 ? [s.fd - CLIENT_FD0] : []; });
}

/** Until nothing moves: no new CQE, no client answer, every busy client asleep in FUSE, io-wq idle (three calm rounds). */
function settle(ctx: WorkerCtx, b: BuiltRace, pollClients: () => void, busySlots: () => number[], bound: number, hang: (w: string, s: string) => void): void {
  const until = Date.now() + bound;
  let calm = 0;
  for (;;) {
    const before = stateOf(ctx.p).cqes.length;
    for (const ring of b.rings) ctx.p.raceReap(ring, 1);
    pollClients();
    const moved = stateOf(ctx.p).cqes.length !== before;
    const awake = busySlots().filter((s) => !asleepInFuse(taskState(ctx.pool.pid(s))));
    const io = busyIoWorkers();
    calm = !moved && awake.length === 0 && io.length === 0 ? calm + 1 : 0;
    if (calm >= 3) return;
    if (Date.now() > until) {
      hang(`the iteration did not settle within ${bound} ms`, [...io, ...awake.map((s) => blockedStacks(ctx.pool.pid(s)))].join('\n'));
      return;
    }
    nap(1);
  }
}

/** After the abort, every SQE that went in and is still held on an open ring completes (ENOTCONN), within the bound. */
function reapHeld(ctx: WorkerCtx, b: BuiltRace, bound: number, hang: (w: string, s: string) => void): void {
  const until = Date.now() + bound;
  for (;;) {
    const st = stateOf(ctx.p);
    const closed = new Set(st.rows.filter((r) => isStep(b, r, 'close_ring')).map((r) => stepOf(b, r)).flatMap((s) => (s.op === 'close_ring' ? [s.ring] : [])));
    // An SQE reused in a loop is held when it went in more often than it came back.
    const count = (uds: bigint[]) => uds.reduce((m, u) => m.set(u, (m.get(u) ?? 0) + 1), new Map<bigint, number>());
    const back = count(st.cqes.map((c) => c[1]));
    const sent = count(st.rows.filter((r) => isStep(b, r, 'submit') && RACE_STATUS[r[3]] === 'ok' && r[4] >= 0).map((r) => BigInt(r[2])));
    const held = [...sent].filter(([ud, n]) => n > (back.get(ud) ?? 0) && !closed.has(b.tags.get(ud)!.ring)).map(([ud]) => ud);
    if (held.length === 0) return;
    if (Date.now() > until) {
      hang(`SQEs ${held.map((u) => b.tags.get(u)!.tag).join(', ')} got no CQE within ${bound} ms of the abort`, st.threads.map(([tid], t) => threadStack(tid, `thread ${b.program.threads[t]!.name}`)).join('\n'));
      return;
    }
    for (const ring of b.rings) if (!closed.has(ring)) ctx.p.raceReap(ring, 1);
  }
}


function waitClients(pollClients: () => void, busySlots: () => number[], bound: number, hang: (w: string, s: string) => void, stacks: (s: readonly number[]) => string, when: string): void {
  const until = Date.now() + bound;
  for (;;) {
    pollClients();
    const busy = busySlots();
    if (busy.length === 0) return;
    if (Date.now() > until) { hang(`clients (pool slots ${busy.join(', ')}) still inside the kernel ${bound} ms ${when}`, stacks(busy)); return; }
    nap(1);
  }
}

/** Whatever the iteration did: threads joined, rings closed, /dev/fuse closed, unmounted, the connection gone. */
function teardown(ctx: WorkerCtx, conn: RaceConn, slots: readonly number[], bound: number, report: (f: Finding) => void): void {
  const { p, pool } = ctx;
  const hang = (what: string, stacks: string) => report({ kind: 'hang', what, stacks });
  conn.abort();
  // Files a client still has open pin the superblock, and so the connection: every client closes them.
  for (const slot of slots) {
    if (pool.busy(slot)) pool.replace(slot);
    pool.submit(slot, { verb: 'reset' });
  }
  const resetUntil = Date.now() + bound;
  while (slots.some((s) => pool.busy(s)) && Date.now() < resetUntil) { pool.poll(); nap(1); }
  for (const slot of slots.filter((s) => pool.busy(s))) { hang(`client slot ${slot} did not close its files within ${bound} ms of the abort`, blockedStacks(pool.pid(slot))); pool.replace(slot); }
  let umounting = false;
  if (!conn.unmounted) {
    // From a client: a umount that hangs (the 2026 REGISTER/abort race) must not take the worker with it.
    pool.submit(UMOUNT_SLOT, { verb: 'umount', path: conn.dir });
    umounting = true;
    const until = Date.now() + bound;
    while (pool.busy(UMOUNT_SLOT) && Date.now() < until) { pool.poll(); if (pool.busy(UMOUNT_SLOT)) nap(1); }
    if (pool.busy(UMOUNT_SLOT)) hang(`umount2(${conn.dir}, MNT_DETACH) did not return within ${bound} ms (rings still open)`, blockedStacks(pool.pid(UMOUNT_SLOT)));
  }
  const st = p.raceState();
  if (typeof st !== 'number') {
    const stuck = p.raceFinish(bound);
    if (stuck > 0) hang(`${stuck} race threads could not be joined within ${bound} ms`, st.threads.map(([tid], t) => threadStack(tid, `thread ${t}`)).join('\n'));
  }
  conn.closeFd();
  if (umounting) {
    const until = Date.now() + bound;
    while (pool.busy(UMOUNT_SLOT) && Date.now() < until) { pool.poll(); if (pool.busy(UMOUNT_SLOT)) nap(1); }
    if (pool.busy(UMOUNT_SLOT)) { hang(`umount2 still inside the kernel after the rings closed`, blockedStacks(pool.pid(UMOUNT_SLOT))); pool.replace(UMOUNT_SLOT); }
  }
  if (!conn.waitGone(bound)) report({ kind: 'leak', what: `connection ${conn.id} still in fusectl ${bound} ms after abort, umount and every ring and /dev/fuse closed` });
  conn.removeDir();
  const d = uninterruptible();
  if (d.length) hang('tasks of the worker in D state after the teardown', d.join('\n'));
  const splats = ctx.kmsg.splats();
  if (splats.length) report({ kind: 'splat', lines: splats });
}
