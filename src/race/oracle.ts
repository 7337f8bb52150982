// What the model allows a race to end with: the outcome of every interleaving of the racing commands, from one start.
import type { ModelMutation } from '../../spec/model/conn.js';
import { errnoName, negErrno } from '../../spec/errno.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import type { ConnConfig, Event } from '../../spec/conn/commands.js';
import type { BuiltRace } from './build.js';
import { modelLines, outcomeKey, type Outcome } from './outcome.js';
import { RaceModel, type EventFilter, type RaceCmd } from './raceModel.js';

/** Interleavings beyond this are a scenario too big to enumerate (k threads of n commands: (kn)!/(n!)^k). */
export const MAX_ORDERS = 40_320;

export class OracleError extends Error {}

/** Every merge of the per-thread lists that keeps each thread's own order, as [thread, command] sequences. */
export function* interleavings(lists: readonly (readonly RaceCmd[])[]): Generator<[number, RaceCmd][]> {
  const at = lists.map(() => 0);
  const seq: [number, RaceCmd][] = [];
  const total = lists.reduce((n, l) => n + l.length, 0);
  function* go(): Generator<[number, RaceCmd][]> {
    if (seq.length === total) { yield [...seq]; return; }
    for (let t = 0; t < lists.length; t++) {
      if (at[t]! >= lists[t]!.length) continue;
      seq.push([t, lists[t]![at[t]!]!]);
      at[t]!++;
      yield* go();
      at[t]!--;
      seq.pop();
    }
  }
  yield* go();
}

export function countInterleavings(lists: readonly (readonly RaceCmd[])[]): number {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  return lists.reduce((acc, l) => acc / fact(l.length), fact(lists.reduce((n, l) => n + l.length, 0)));
}

/** A model variant for the harness's own tests: ConnModel mutations and an event rewrite. */
export interface ModelVariant { readonly mutation?: ModelMutation; readonly filter?: EventFilter }

export interface Allowed {
  /** Outcome key → the outcome and one ordering that gives it (command labels; "+ …" names the kernel step the model makes atomic). */
  readonly outcomes: ReadonlyMap<string, { readonly outcome: Outcome; readonly order: readonly string[] }>;
  readonly orders: number;
  /** Orderings the model cannot run (a client after a lazy umount has no path): not possible, left out. */
  readonly impossible: number;
}

/**
 * The racing lists the oracle interleaves. A client that waits for the ring before the race sleeps in fuse_block_alloc()
 * with no request yet; readiness or an abort only wakes it, and it goes on when the scheduler runs it. So each one is
 * its own list: it may "start" anywhere (ConnModel would dispatch it in the same step as the REGISTER that makes the
 * ring ready, which the kernel does not).
 */
export function racingLists(b: BuiltRace): { lists: (readonly RaceCmd[])[]; threads: (number | null)[]; prefix: BuiltRace['prefix'] } {
  const waiting = b.prefix.filter((p) => p.thread === null && p.cmd.kind === 'client');
  return {
    lists: [...b.racing, ...waiting.map((w) => [w.cmd])],
    threads: [...b.racing.map((_, t) => t), ...waiting.map(() => null)],
    prefix: b.prefix.filter((p) => !waiting.includes(p)),
  };
}

const label = (t: number | null, c: RaceCmd): string => `${t === null ? 'waiting' : `t${t}`}:${c.kind === 'uring_cmd' ? c.sqe.cmd_op === FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER ? `REGISTER ${c.tag}` : c.sqe.cmd_op === FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH ? `COMMIT ${c.tag}` : `cmd_op ${c.sqe.cmd_op} ${c.tag}` : c.kind === 'client' ? `client ${c.tag} ${c.op}` : c.kind === 'thread_exit' ? 'exit' : c.kind}`;

/** A delivery of the race whose task work an exit or a ring close can still catch (its CQE is not yet posted). */
interface Catchable { readonly tag: string; readonly clientTag: string | null; readonly by: 'thread' | 'ring' }

/**
 * Runs prefix, one ordering and the runner's teardown (a fusectl abort) on a fresh model: its outcome lines, and the
 * deliveries that a later exit of the entry's thread or close of its ring could have caught. Null: the model cannot run it.
 */
export function runOrder(cfg: ConnConfig, b: BuiltRace, prefix: BuiltRace['prefix'], order: readonly [number | null, RaceCmd][], v: ModelVariant = {}): { lines: string[]; catchable: Catchable[] } | null {
  const m = new RaceModel(cfg, v.mutation, v.filter);
  const events: Event[] = [];
  const deliveries: { tag: string; unique: bigint; at: number }[] = [];
  const catchable: Catchable[] = [];
  try {
    for (const p of prefix) events.push(...m.run(p.cmd, p.thread));
    order.forEach(([t, c], at) => {
      if (c.kind === 'thread_exit' || c.kind === 'ring_exit' || c.kind === 'server_exit') {
        for (const d of deliveries.splice(0)) {
          const owner = m.ownerOf(d.tag);
          if (c.kind === 'thread_exit' && owner !== c.thread) { deliveries.push(d); continue; }
          const slot = m.conn.st.requests.get(d.unique)?.client ?? null;
          const clientTag = slot === null ? null : [...b.clients].find(([, x]) => x.slot === slot)?.[0] ?? null;
          catchable.push({ tag: d.tag, clientTag, by: c.kind === 'thread_exit' ? 'thread' : 'ring' });
        }
      }
      const ev = m.run(c, t);
      for (const e of ev) if (e.kind === 'cqe' && e.res === 0 && e.req) deliveries.push({ tag: e.tag, unique: e.req.unique, at });
      events.push(...ev);
    });
    events.push(...m.run({ kind: 'abort' }, null));
  } catch { return null; }
  return { lines: modelLines(b, events).sort(), catchable };
}

/**
 * The outcomes a delivery caught in flight adds. fuse_uring_send_in_task() runs as task work of the entry's submitter:
 * a thread exit cancels it (CQE -ECANCELED, request ended -ECANCELED since "fuse: end fuse_req on io-uring cancel task
 * work", 6.18.39/7.1.4); a ring close makes its CQE unobservable, with the request ended -ECANCELED or still attached
 * (then ended by the teardown, as the model says).
 */
function variants(lines: readonly string[], c: readonly Catchable[], b: BuiltRace): string[][] {
  let out: string[][] = [[...lines]];
  const ECANCELED = errnoName(negErrno('ECANCELED'));
  for (const x of c) {
    const next: string[][] = [];
    for (const ls of out) {
      next.push(ls);
      const i = ls.findIndex((l) => l.startsWith(`${x.tag} 0 op=`));
      if (i < 0) continue;
      const cpu = x.clientTag ? b.clients.get(x.clientTag)?.cpu : undefined;
      const withClient = (base: string[]): string[] => {
        const j = base.findIndex((l) => cpu !== undefined && l.startsWith(`client@cpu${cpu} `) && l !== `client@cpu${cpu} ${ECANCELED}`);
        return j < 0 ? base : base.map((l, k) => (k === j ? `client@cpu${cpu} ${ECANCELED}` : l));
      };
      const gone = ls.filter((_, k) => k !== i);
      if (x.by === 'thread') next.push(withClient([...gone, `${x.tag} ${ECANCELED}`]));
      else next.push(gone, withClient(gone));
    }
    out = next;
  }
  return out.map((ls) => [...ls].sort());
}

export function allowedOutcomes(cfg: ConnConfig, b: BuiltRace, v: ModelVariant = {}): Allowed {
  const r = racingLists(b);
  const n = countInterleavings(r.lists);
  if (n > MAX_ORDERS) throw new OracleError(`${n} interleavings is more than ${MAX_ORDERS}: split the race`);
  const outcomes = new Map<string, { outcome: Outcome; order: string[] }>();
  let impossible = 0;
  for (const order of interleavings(r.lists)) {
    const named = order.map(([i, c]) => [r.threads[i]!, c] as [number | null, RaceCmd]);
    // A waiting client is already inside its stat: it cannot begin after a lazy umount took the path away.
    const umountAt = named.findIndex(([, c]) => c.kind === 'umount');
    if (umountAt >= 0 && named.slice(umountAt).some(([t, c]) => t === null && c.kind === 'client')) { impossible++; continue; }
    const run = runOrder(cfg, b, r.prefix, named, v);
    if (!run) { impossible++; continue; }
    const labels = named.map(([t, c]) => label(t, c));
    variants(run.lines, run.catchable, b).flatMap((o) => abortInsideRegister(o, named)).forEach((outcome, k) => {
      const key = outcomeKey(outcome);
      if (!outcomes.has(key)) outcomes.set(key, { outcome, order: k === 0 ? labels : [...labels, '+ a delivery caught in flight by an exit or ring close'] });
    });
  }
  return { outcomes, orders: n, impossible };
}

/**
 * An abort ordered after a REGISTER may land inside it: past the command's checks, before fuse_uring_do_register()
 * re-checks the connection, which then fails it -ECONNABORTED ("fuse: fix race between registration and connection
 * abortion", 952b5d36; stable 6.18.39 and 7.1.4) where the ordering says the abort later cancels it with -ENOTCONN.
 */
function abortInsideRegister(lines: string[], named: readonly [number | null, RaceCmd][]): string[][] {
  const abortAt = named.findIndex(([, c]) => c.kind === 'abort');
  if (abortAt < 0) return [lines];
  const regs = named.slice(0, abortAt).flatMap(([, c]) => (c.kind === 'uring_cmd' && c.sqe.cmd_op === FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER ? [c.tag] : []));
  const [ENOTCONN, ECONNABORTED] = [errnoName(negErrno('ENOTCONN')), errnoName(negErrno('ECONNABORTED'))];
  let out: string[][] = [lines];
  for (const tag of regs) {
    out = out.flatMap((ls) => {
      const i = ls.indexOf(`${tag} ${ENOTCONN}`);
      return i < 0 ? [ls] : [ls, ls.map((l, k) => (k === i ? `${tag} ${ECONNABORTED}` : l)).sort()];
    });
  }
  return out;
}

/** The allowed outcome closest to `o` (fewest differing lines), for a finding's report. */
export function nearest(a: Allowed, o: Outcome): { outcome: Outcome; order: readonly string[]; missing: string[]; extra: string[] } | null {
  let best: { outcome: Outcome; order: readonly string[]; missing: string[]; extra: string[] } | null = null;
  for (const { outcome, order } of a.outcomes.values()) {
    const missing = diff(outcome, o), extra = diff(o, outcome);
    if (!best || missing.length + extra.length < best.missing.length + best.extra.length) best = { outcome, order, missing, extra };
  }
  return best;
}

/** Lines of `a` not matched in `b` (as multisets). */
function diff(a: Outcome, b: Outcome): string[] {
  const left = [...b];
  return a.filter((x) => { const i = left.indexOf(x); if (i < 0) return true; left.splice(i, 1); return false; });
}
