// Builds one race: each server action becomes engine steps on its thread and the model command it stands for.
import { encode, fieldSize, type Record as Rec } from '../../spec/codec/codec.js';
import { negErrno } from '../../spec/errno.js';
import type { ClientOp, ConnConfig, Event, UringCmdSpec } from '../../spec/conn/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { registerSqe } from '../../spec/scenarios/families.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { IORING_SETUP_SQE128 } from '../../spec/uapi/io_uring.js';
import { MNT_DETACH } from '../../spec/uapi/linux.js';
import { encode as encodeClientOp, PATH_AT, PATH_MAX, type ClientRequest } from '../kernel/clients.js';
import { headerParts } from '../kernel/delivery.js';
import { iovecArray } from '../kernel/regions.js';
import { uringCmdSqe } from '../kernel/sqe.js';
import { ArenaBuilder, PAGE, type Arena } from './arena.js';
import type { Program, Step } from './program.js';
import { RaceModel, type RaceCmd } from './raceModel.js';

/** fd slot of /dev/fuse; client i answers on fd slot CLIENT_FD0 + i. */
export const FUSE_FD = 0;
export const CLIENT_FD0 = 1;
/**
 * fd slot of the connection's fusectl abort file, opened at mount, after the 8 client slots: a write through it reaches
 * this connection or none, where the path may name another one by then (an id is reused at once, another job's).
 */
export const ABORT_FD = CLIENT_FD0 + 8;
const MS = 1_000_000;

export interface RaceEnv {
  readonly rev: Revision;
  readonly cfg: ConnConfig;
  /** This iteration's busy-wait before thread t's first racing step, ns. */
  readonly jitterNs: (thread: number) => number;
  /** The bound jitter is drawn from (what a reproducer draws from). */
  readonly maxJitterNs: number;
  readonly timeScale: number;
}

/** A ring entry: its queue, its memory and the SQE that holds it now. */
export interface Entry {
  readonly qid: number;
  readonly ring: number;
  readonly hdr: number;
  readonly pay: number;
  tag: string;
}

/** An SQE of the race: its tag, ring, submitting thread, command, and the queue of the entry it holds (if any). */
export interface TagInfo { readonly tag: string; readonly ring: number; readonly thread: number; readonly cmd_op: number; readonly queue: number | null }

/** How a race is judged: its whole outcome against every interleaving's, or each line against the lines any gives (traffic). */
export type OracleKind = 'outcome' | 'lines';

/** A client a thread drives in a loop: its slot and CPU, where its last answer lands, and whether it still owes one. */
export interface LoopClient { readonly tag: string; readonly slot: number; readonly cpu: number; readonly answer: number; readonly owes: number }

export interface BuiltRace {
  readonly program: Program;
  readonly arena: Arena;
  /** Commands before the race, in the order the program runs them (thread null: a client the runner starts first). */
  readonly prefix: readonly { readonly cmd: RaceCmd; readonly thread: number | null }[];
  /** Per thread, the commands it races with, in its own order. */
  readonly racing: readonly (readonly RaceCmd[])[];
  readonly tags: ReadonlyMap<bigint, TagInfo>;
  /** Clients the runner starts before the program, and waits for until they sleep in FUSE. */
  readonly preClients: readonly { readonly slot: number; readonly req: ClientRequest; readonly tag: string }[];
  /** Every client op: its pool slot and CPU (the queue its requests go to). */
  readonly clients: ReadonlyMap<string, { readonly slot: number; readonly cpu: number }>;
  readonly rings: readonly number[];
  readonly oracle: OracleKind;
  readonly loops: readonly LoopClient[];
}

export class BuildError extends Error {}

interface ThreadState { readonly name: string; readonly steps: Step[]; readonly racing: RaceCmd[]; exits: boolean }

export class RaceBuild {
  readonly arena = new ArenaBuilder();
  readonly model: RaceModel;
  readonly maxPayload: number;
  private readonly threads: ThreadState[] = [];
  private readonly barriers: number[] = [];
  private readonly snaps: { ud: bigint; off: number; len: number }[] = [];
  private readonly tags = new Map<bigint, TagInfo>();
  private readonly prefix: { cmd: RaceCmd; thread: number | null }[] = [];
  private readonly preClients: { slot: number; req: ClientRequest; tag: string }[] = [];
  private readonly clients = new Map<string, { slot: number; cpu: number }>();
  private readonly rings = new Set<number>();
  /** What the model said each prefix command caused, by tag of the SQE that got a CQE. */
  private readonly delivered = new Map<string, bigint>();
  private phase: 'prefix' | 'race' = 'prefix';
  private lastPrefixThread: number | null = null;
  private nextUd = 1n;
  private readonly one: number;
  /** A byte a thread sets once its teardown is done: loops end on it (they have no other way to learn the race is over). */
  private readonly flag: number;
  private oracle: OracleKind = 'outcome';
  private readonly loops: LoopClient[] = [];
  private nextLoop = 0;

  constructor(readonly env: RaceEnv) {
    this.model = new RaceModel(env.cfg);
    this.maxPayload = maxPayloadSz(env.cfg.init!, env.rev.a);
    this.one = this.arena.data(Buffer.from('1'));
    this.flag = this.arena.alloc(8);
  }

  /** Judge this race line by line (its loops make whole outcomes incomparable). */
  judgeByLines(): void { this.oracle = 'lines'; }

  thread(name: string): number {
    if (this.phase !== 'prefix') throw new BuildError('threads are declared before the race');
    this.threads.push({ name, steps: [], racing: [], exits: false });
    return this.threads.length - 1;
  }

  private t(i: number): ThreadState {
    const t = this.threads[i];
    if (!t) throw new BuildError(`no thread ${i}`);
    return t;
  }

  private barrier(parties: number): number { this.barriers.push(parties); return this.barriers.length - 1; }

  /** Before a prefix action of thread `i`: the previous one (another thread's) must be over. */
  private order(i: number): void {
    if (this.phase !== 'prefix') return;
    const prev = this.lastPrefixThread;
    if (prev !== null && prev !== i) {
      const id = this.barrier(2);
      this.t(prev).steps.push({ op: 'barrier', id });
      this.t(i).steps.push({ op: 'barrier', id });
    }
    this.lastPrefixThread = i;
  }

  /** The model command of an action: run now in the prefix (to know what it delivers), kept per thread in the race. */
  private command(cmd: RaceCmd, i: number | null): Event[] {
    if (this.phase === 'race') {
      if (i === null) throw new BuildError('a racing command belongs to a thread');
      this.t(i).racing.push(cmd);
      return [];
    }
    this.prefix.push({ cmd, thread: i });
    const events = this.model.run(cmd, i);
    for (const e of events) if (e.kind === 'cqe' && e.res === 0 && e.req) this.delivered.set(e.tag, e.req.commit_id);
    return events;
  }

  private newTag(tag: string, ring: number, thread: number, cmd_op: number, entry: Entry | null): bigint {
    const ud = this.nextUd++;
    this.tags.set(ud, { tag, ring, thread, cmd_op, queue: entry?.qid ?? null });
    if (entry) this.snaps.push({ ud, off: entry.hdr, len: headerParts(this.env.rev).size });
    return ud;
  }

  /** The 128-byte SQE of `spec` in the arena, its fd and iovec addresses relocated. */
  private sqe(spec: UringCmdSpec, ud: bigint, iov: { at: number; len: number }[] | null): number {
    const sqeLayout = this.env.rev.lookup('io_uring_sqe$uring_cmd'), iovec = this.env.rev.lookup('iovec');
    const off = (name: string) => sqeLayout.fields.find((f) => f.name === name)!.offset;
    const at = this.arena.alloc(sqeLayout.size, 64);
    let iovAt = 0;
    if (iov) {
      iovAt = this.arena.data(iovecArray(iov.map((v) => ({ addr: BigInt(v.at), len: v.len }))));
      const base = iovec.fields.find((f) => f.name === 'iov_base')!.offset;
      iov.forEach((v, k) => this.arena.ptr(iovAt + iovec.size * k + base, v.at));
    }
    this.arena.put(at, uringCmdSqe(this.env.rev, 0, ud, spec, 0n, { iovArray: BigInt(iovAt), bufpool: 0n }));
    this.arena.fd(at + off('fd'), FUSE_FD);
    if (iov) this.arena.ptr(at + off('addr'), iovAt);
    return at;
  }

  ringSetup(i: number, ring: number, flags = IORING_SETUP_SQE128): void {
    this.order(i);
    this.rings.add(ring);
    this.t(i).steps.push({ op: 'ring_setup', ring, entries: 64, flags });
  }

  private submit(i: number, ring: number, sqe: number, ud: bigint): void {
    this.t(i).steps.push({ op: 'submit', ring, sqe, record: true, tag: Number(ud) });
  }

  /** A well-formed REGISTER of a new entry on `qid` (288-byte header, max_payload_sz payload). */
  register(i: number, ring: number, qid: number, tag: string): Entry {
    this.order(i);
    const e: Entry = { qid, ring, hdr: this.arena.alloc(headerParts(this.env.rev).size, PAGE), pay: this.arena.alloc(this.maxPayload, PAGE), tag };
    const spec = registerSqe(qid, this.maxPayload);
    const ud = this.newTag(tag, ring, i, spec.cmd_op, e);
    this.submit(i, ring, this.sqe(spec, ud, [{ at: e.hdr, len: headerParts(this.env.rev).size }, { at: e.pay, len: this.maxPayload }]), ud);
    this.command({ kind: 'uring_cmd', tag, sqe: spec }, i);
    return e;
  }

  /** R8 ADD_QUEUE (no zero-copy). */
  addQueue(i: number, ring: number, qid: number, tag: string): void {
    this.order(i);
    const spec: UringCmdSpec = { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_QUEUE, qid, flags: 0n };
    const ud = this.newTag(tag, ring, i, spec.cmd_op, null);
    this.submit(i, ring, this.sqe(spec, ud, null), ud);
    this.command({ kind: 'uring_cmd', tag, sqe: spec }, i);
  }

  /** The steps that write a reply (`error`, `body`) into e's header and payload and point the SQE at `sqe` to it. */
  private replySteps(e: Entry, sqe: number, error: number, body: Uint8Array): Step[] {
    const rev = this.env.rev;
    const parts = headerParts(rev);
    const outH = rev.lookup('fuse_out_header');
    const field = (l: { fields: readonly { name: string; offset: number }[] }, n: string) => l.fields.find((f) => f.name === n)!.offset;
    const commitAt = e.hdr + parts.ent + field(parts.entLayout, 'commit_id');
    const sqeCommit = sqe + field(rev.lookup('io_uring_sqe$uring_cmd'), 'cmd') + field(rev.lookup(rev.cmdReq), 'commit_id');
    const szField = parts.entLayout.fields.find((f) => f.name === 'payload_sz')!, szAt = szField.offset;
    const sz = encode(parts.entLayout, { payload_sz: body.length }, rev.lookup).subarray(szAt, szAt + fieldSize(szField, rev.lookup));
    return [
      { op: 'store', dst: e.hdr + parts.inOut, bytes: encode(outH, { len: outH.size + body.length, error, unique: 0n } as Rec, rev.lookup) },
      { op: 'copy', dst: e.hdr + parts.inOut + field(outH, 'unique'), src: commitAt, len: 8 },
      ...(body.length ? [{ op: 'copy' as const, dst: e.pay, src: this.arena.data(body), len: body.length }] : []),
      { op: 'store', dst: e.hdr + parts.ent + szAt, bytes: sz },
      { op: 'copy', dst: sqeCommit, src: commitAt, len: 8 },
    ];
  }

  /**
   * Thread i serves entry e until its SQE fails (teardown) or the flag is set: whatever request arrives is answered from
   * `replies` by opcode (others -EIO), with one COMMIT_AND_FETCH SQE reused for every answer. Engine steps only.
   */
  serveLoop(i: number, e: Entry, replies: ReadonlyMap<number, { error: number; body: Uint8Array }>, waitNs: number): void {
    const rev = this.env.rev;
    const opcodeAt = e.hdr + headerParts(rev).inOut + rev.lookup('fuse_in_header').fields.find((f) => f.name === 'opcode')!.offset;
    const first = [...this.tags].find(([, v]) => v.tag === e.tag)![0];
    const spec: UringCmdSpec = { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: e.qid };
    const ud = this.newTag(`${e.tag}.k`, e.ring, i, spec.cmd_op, e);
    const sqe = this.sqe(spec, ud, null);
    const L = (n: string) => `serve${ud}.${n}`;
    const wait = (name: string, on: bigint): Step[] => [
      { op: 'label', name: L(name) },
      { op: 'wait_cqe', ring: e.ring, ud: on, timeoutNs: waitNs },
      { op: 'jump_if', test: { kind: 'status', value: 'timeout' }, to: L(`${name}.idle`) },
      { op: 'jump_if', test: { kind: 'status', value: 'ok' }, not: true, to: L('end') },
      { op: 'jump_if', test: { kind: 'always' }, to: L('got') },
      { op: 'label', name: L(`${name}.idle`) },
      { op: 'jump_if', test: { kind: 'mem', at: this.flag, len: 1, value: 1n }, to: L('end') },
      { op: 'jump_if', test: { kind: 'always' }, to: L(name) },
    ];
    const handler = (name: string, r: { error: number; body: Uint8Array }): Step[] => [
      { op: 'label', name: L(name) }, ...this.replySteps(e, sqe, r.error, r.body), { op: 'submit', ring: e.ring, sqe, record: true, tag: Number(ud) },
      { op: 'jump_if', test: { kind: 'always' }, to: L('commit') },
    ];
    this.t(i).steps.push(
      ...wait('register', first), ...wait('commit', ud),
      { op: 'label', name: L('got') },
      { op: 'jump_if', test: { kind: 'last', value: 0 }, not: true, to: L('end') },
      ...[...replies.keys()].map((op): Step => ({ op: 'jump_if', test: { kind: 'mem', at: opcodeAt, len: 4, value: BigInt(op) }, to: L(`op${op}`) })),
      { op: 'jump_if', test: { kind: 'always' }, to: L('other') },
      ...[...replies].flatMap(([op, r]) => handler(`op${op}`, r)), ...handler('other', { error: REPLY_ERROR, body: new Uint8Array() }),
      { op: 'label', name: L('end') },
    );
    e.tag = `${e.tag}.k`;
  }

  /**
   * Thread i drives client `slot` through `ops` in a loop until one fails, its answer is late or the flag is set; the
   * model sees it as one `open` of `file` (a request issued around the teardown).
   */
  clientLoop(i: number, slot: number, cpu: number, tag: string, file: string, ops: readonly ClientRequest[], waitNs: number): void {
    // `open` opens `file` under the mount point; the other ops work on the handle it opened.
    if (this.clients.has(tag)) throw new BuildError(`client tag ${tag} used twice`);
    this.clients.set(tag, { slot, cpu });
    const answer = this.arena.alloc(24), owes = this.arena.alloc(8);
    this.loops.push({ tag, slot, cpu, answer, owes });
    const L = (n: string) => `loop${this.nextLoop}.${n}`;
    this.nextLoop++;
    const steps: Step[] = [{ op: 'label', name: L('top') }, { op: 'jump_if', test: { kind: 'mem', at: this.flag, len: 1, value: 1n }, to: L('end') }];
    for (const req of ops) {
      const at = this.arena.data(encodeClientOp({ ...req, cpu }));
      if (req.verb === 'open' || req.verb === 'stat') this.arena.textAt(at + PATH_AT, 'mountpoint', PATH_MAX, req.verb === 'open' ? `/${file}` : '');
      steps.push(
        { op: 'store', dst: owes, bytes: Uint8Array.of(1) },
        { op: 'write_fd', fd: CLIENT_FD0 + slot, data: at, len: 512 },
        { op: 'read_fd', fd: CLIENT_FD0 + slot, into: answer, len: 24, timeoutNs: waitNs },
        { op: 'jump_if', test: { kind: 'status', value: 'ok' }, not: true, to: L('end') },
        { op: 'store', dst: owes, bytes: Uint8Array.of(0) },
        { op: 'jump_if', test: { kind: 'mem', at: answer, len: 8, value: BigInt.asUintN(64, -1n) }, to: L('end') },
      );
    }
    steps.push({ op: 'jump_if', test: { kind: 'always' }, to: L('top') }, { op: 'label', name: L('end') });
    this.t(i).steps.push(...steps);
    this.command({ kind: 'client', tag, op: 'open', file, cpu, client: slot }, i);
  }

  /** Thread i sleeps (glue: no model command). */
  sleep(i: number, ns: number): void { this.t(i).steps.push({ op: 'sleep', ns }); }

  /** Thread i sets the flag loops end on (glue). */
  raiseFlag(i: number): void { this.t(i).steps.push({ op: 'store', dst: this.flag, bytes: Uint8Array.of(1) }); }

  /**
   * COMMIT_AND_FETCH of whatever `e` holds, answered with `error` and no payload: the out header, its unique and the
   * SQE's commit_id are copied from the header the kernel wrote, at run time (the engine knows no FUSE).
   */
  commit(i: number, e: Entry, error: number, tag: string, ring = e.ring): void {
    this.order(i);
    const spec: UringCmdSpec = { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: e.qid, reply: { unique: 'match', error, payload_sz: 0 } };
    const ud = this.newTag(tag, ring, i, spec.cmd_op, e);
    const sqe = this.sqe(spec, ud, null);
    this.t(i).steps.push(...this.replySteps(e, sqe, error, new Uint8Array()));
    this.submit(i, ring, sqe, ud);
    // The model names the request by the commit_id the prefix delivered to this entry; one never delivered is unknown.
    const known = this.delivered.get(e.tag);
    this.command({ kind: 'uring_cmd', tag, sqe: { ...spec, commit_id: known ?? 'unknown' } }, i);
    e.tag = tag;
  }

  /** Waits (prefix only) for the CQE the model says the entry's SQE got: a request delivered to it. */
  awaitDelivery(i: number, e: Entry): void {
    if (this.phase !== 'prefix') throw new BuildError('awaitDelivery belongs to the prefix');
    if (!this.delivered.has(e.tag)) throw new BuildError(`the model delivers nothing to ${e.tag} here`);
    this.order(i);
    const ud = [...this.tags].find(([, v]) => v.tag === e.tag)![0];
    this.t(i).steps.push({ op: 'wait_cqe', ring: e.ring, ud, timeoutNs: 5000 * MS * this.env.timeScale, record: true, tag: Number(ud) });
  }

  /** Like awaitDelivery, for whichever of `es` the model delivered to (the kernel takes the newest available entry). */
  awaitAnyDelivery(i: number, es: readonly Entry[]): Entry {
    const e = es.find((x) => this.delivered.has(x.tag));
    if (!e) throw new BuildError(`the model delivers to none of ${es.map((x) => x.tag).join(', ')} here`);
    this.awaitDelivery(i, e);
    return e;
  }

  /** A client op: started by the runner before the program (thread null: it must sleep in FUSE first) or by a thread. */
  client(i: number | null, slot: number, op: ClientOp, cpu: number, tag: string): void {
    if (this.clients.has(tag)) throw new BuildError(`client tag ${tag} used twice`);
    this.clients.set(tag, { slot, cpu });
    const req: ClientRequest = { verb: op === 'create' ? 'open' : op, cpu };
    if (i === null) {
      if (this.phase !== 'prefix' || this.lastPrefixThread !== null) throw new BuildError('runner-started clients come first');
      this.preClients.push({ slot, req, tag });
    } else {
      this.order(i);
      const at = this.arena.data(encodeClientOp(req));
      this.arena.textAt(at + PATH_AT, 'mountpoint', PATH_MAX);
      this.t(i).steps.push({ op: 'write_fd', fd: CLIENT_FD0 + slot, data: at, len: 512, record: true });
    }
    this.command({ kind: 'client', tag, op, cpu, client: slot }, i);
  }

  /** fusectl's abort of this connection. */
  abort(i: number): void {
    this.order(i);
    this.t(i).steps.push({ op: 'write_fd', fd: ABORT_FD, data: this.one, len: 1, record: true });
    this.command({ kind: 'abort' }, i);
  }

  umount(i: number): void {
    this.order(i);
    this.t(i).steps.push({ op: 'umount', path: this.arena.runText('mountpoint'), flags: MNT_DETACH, record: true });
    this.command({ kind: 'umount' }, i);
  }

  ringExit(i: number, ring: number): void {
    this.order(i);
    this.t(i).steps.push({ op: 'close_ring', ring, record: true });
    this.command({ kind: 'ring_exit' }, i);
  }

  /** Every ring and /dev/fuse closed, as when the server process dies. */
  serverExit(i: number): void {
    this.order(i);
    for (const ring of this.rings) this.t(i).steps.push({ op: 'close_ring', ring, record: true });
    this.t(i).steps.push({ op: 'close_fd', fd: FUSE_FD, record: true });
    this.command({ kind: 'server_exit' }, i);
  }

  /** The thread ends now; the kernel cancels what it submitted. */
  exit(i: number): void {
    this.order(i);
    this.t(i).steps.push({ op: 'exit' });
    this.t(i).exits = true;
    this.command({ kind: 'thread_exit', thread: i }, i);
  }

  /** Ends the prefix: every thread meets at one barrier, then busy-waits its jitter before its racing actions. */
  race(): void {
    if (this.phase !== 'prefix') throw new BuildError('race() twice');
    this.phase = 'race';
    const id = this.barrier(this.threads.length);
    this.threads.forEach((t, i) => t.steps.push({ op: 'barrier', id }, { op: 'spin', ns: Math.round(this.env.jitterNs(i)), maxNs: this.env.maxJitterNs }));
  }

  done(): BuiltRace {
    if (this.phase !== 'race') throw new BuildError('a race needs race() before done()');
    return {
      program: { threads: this.threads.map((t) => ({ name: t.name, steps: [...t.steps, ...(t.exits ? [] : [{ op: 'end' as const }])] })), barriers: [...this.barriers], snaps: [...this.snaps] },
      arena: this.arena.build(), prefix: [...this.prefix], racing: this.threads.map((t) => [...t.racing]), tags: new Map(this.tags),
      preClients: [...this.preClients], clients: new Map(this.clients), rings: [...this.rings], oracle: this.oracle, loops: [...this.loops],
    };
  }
}

/** -EIO: the error the race servers answer requests with (no payload, the same for every opcode). */
export const REPLY_ERROR = negErrno('EIO');
