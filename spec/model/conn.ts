// The reference model of one FUSE connection with its io-uring ring: answers each command with events.
import { match } from 'ts-pattern';
import { negErrno } from '../errno.js';
import { evaluate } from '../rules/engine.js';
import { maxPayloadSz, paddedReplyLength, negotiatedMaxPages, negotiatedMaxWrite } from '../rules/payload.js';
import { resolvedCommitId } from '../rules/r0.js';
import type { Check, EffectName, RuleTable } from '../rules/types.js';
import type { Probe } from '../conn/probe.js';
import { revision, type Revision, type TableId } from '../revisions.js';
import { FUSE_INIT_FLAG } from '../uapi/fuse_kernel.js';
import type { AssumptionValues } from '../types.js';
import { answer as fsAnswer, argOf, newFs, OP_IN, type FsState } from '../fs/fs.js';
import { FOPEN, FUSE_OPCODE, FUSE_OPCODE_NAME } from '../uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_ENT_ZERO_COPY$R8, FUSE_URING_ZERO_COPY$R8 } from '../uapi/fuse_uring.js';
import { zeroCopied } from '../conn/zeroCopy.js';
import { newServerTable, placeFixedPool } from '../conn/serverTable.js';
import { DEFAULT_REPLY, serverReply } from '../conn/serverReply.js';
import { SERVER_INIT, type ClientCommand, type Command, type ConnConfig, type DeliveredReq, type Event, type UringCmdSpec } from '../conn/commands.js';
import { emptyMode, memOf, type ConnState, type Entry, type Mem, type Queue, type Request } from '../conn/state.js';
import { QUEUE_MODELS } from './modes.js';
import { BUFFER_POLICIES, bufferPlacement, release } from './buffers.js';
import { clientOp, isLock, NONE_RESULT, WAITED, type ClientFile, type ClientOpGen, type ReqResult, type ReqSpec, type VfsContext, type Yielded } from './vfs.js';

const E = negErrno;

/** Deliberate deviations, for mutation testing of the fuzzer (npm run mutants); the reference model uses none. */
export interface ModelMutation {
  readonly tables?: (rev: Revision) => Revision;
  readonly readyOnAnyQueue?: boolean;
  readonly failedRegisterKeepsIoUring?: boolean;
  readonly oldestEntryFirst?: boolean;
  /** Wrong buffer offset: the payload believed to follow op_in in the payload buffer (the /dev/fuse read layout). */
  readonly payloadAfterOpIn?: boolean;
  /** Wrong payload_sz rule: ent_in_out.payload_sz believed to count op_in too. */
  readonly payloadSzCountsOpIn?: boolean;
  /** Not wrong: the other way the kernel may go, a woken client's next request beating its entry's return (entryFor). */
  readonly clientFirstAfterCommit?: boolean;
}

/** Result of one uring command: the rule that failed (if any) and the events it caused. */
export interface CmdOutcome { readonly rule: Check | null; readonly events: Event[] }

/** A client process: its open file and the op it is inside (the step's tag, the op's generator, its CPU). */
interface Slot { file: ClientFile | null; op: { readonly tag: string; readonly gen: ClientOpGen; readonly cpu: number; readonly seq: number } | null }

const { FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT, FUSE_IO_URING_CMD_ADD_BUFPOOL: ADD_BUFPOOL } = FUSE_URING_CMD;
/** Coverage id of a request of `opcode` delivered through the ring (not a rule row: an effect of the data plane). */
export const ringEffect = (opcode: number): string => `ring.${FUSE_OPCODE_NAME.get(opcode) ?? opcode}`;
const EMPTY = new Uint8Array();
/** A `serve` step answers at most this many requests (the kernel target's bound). */
const SERVE_MAX = 512;

/**
 * What ConnModel.observed says of a request no CQE of the step carries while a client of the step got -EFAULT, or while
 * the op that sent it ended in the step (a later chunk of a direct I/O that faults ends it with the bytes done before).
 */
export const FAULTED_IN_AN_ENTRY = '(faulted in an entry)';

export class ConnModel {
  readonly st: ConnState;
  readonly rev: Revision;
  /** Rule ids the model evaluated as failing and effect rows it applied, in order: the fuzzer's coverage. */
  readonly fired: string[] = [];
  /**
   * Set when the trace from here on is one of several the scheduler may pick (unlike requests woken together, a lock
   * handed over on one CPU, a step naming one of interchangeable clients); `thisStep`: the setting step is one of them.
   */
  schedulerOrder: { readonly why: string; readonly thisStep: boolean } | null = null;
  /**
   * Where the kernel may take either of two ways, which it took: the tag of the CQE that delivered a request like this
   * one (opcode, nodeid, argument) in the step being run, from the kernel's trace (null: no trace to follow, so the
   * usual way). Not by unique: the kernel's count includes INIT, the model's does not.
   */
  observed: ((r: { readonly opcode: number; readonly nodeid: bigint; readonly arg: string | undefined; readonly op: string | undefined }) => string | undefined) | null = null;
  /** The entry a COMMIT is putting back while the request it ended wakes its task (see entryFor). */
  private returning: Entry | null = null;
  /** The entry a fault put back this step: the server's task work did it, racing the client's next request (entryFor). */
  private faultReturned: Entry | null = null;
  /** The superblock was destroyed (umount completed): its fusectl directory, abort file and all, is gone. */
  private sbGone = false;
  /** Whether the ADD_BUFPOOL being run has its registered pool in the server's buffer table at its buf_index. */
  private placed = false;
  /** Clients whose alike requests were woken together: which of them is still waiting is the scheduler's choice. */
  private readonly interchangeable = new Set<number>();
  private blocked: bigint[] = [];
  /** Lazily unmounted while a client was inside: the superblock (and connection) live until it leaves. */
  private detached = false;
  /** Torn down with INIT unanswered (fc->conn_error; see Revision.abortBeforeInitRefuses). Seen on 7.3.4 under furc vm (finding 309dbd84a446). */
  private abortedBeforeInit = false;
  private readonly fs: FsState;
  private readonly dcache = new Set<string>();
  private readonly negative = new Set<string>();
  private readonly unhashed = new Set<string>();
  private readonly slots = new Map<number, Slot>();
  private readonly vfs: VfsContext;
  private readonly faulted: { req: Request; errno: number }[] = [];
  /** Per lock (see DirLock in vfs.ts): the client holding it, and those waiting for it in order. */
  private readonly lockOwner = new Map<string, number>();
  private readonly lockWaiters = new Map<string, number[]>();
  /** rwsems (the directory's i_rwsem): who holds them shared, and who waits, in order, for which kind. */
  private readonly readers = new Map<string, Set<number>>();
  private readonly rwWaiters = new Map<string, { n: number; shared: boolean }[]>();
  private opSeq = 0;

  constructor(cfg: ConnConfig, overrides: AssumptionValues = {}, private readonly mutation: ModelMutation = {}) {
    const rev = revision(cfg.revision, overrides);
    this.rev = mutation.tables ? mutation.tables(rev) : rev;
    const init = cfg.mount ? cfg.init : null;
    const negotiated = init !== null && cfg.enable_uring && (init.flags & FUSE_INIT_FLAG.FUSE_OVER_IO_URING) !== 0n;
    this.st = {
      rev: cfg.revision, cfg, a: this.rev.a, devBound: cfg.mount, initialized: init !== null, connected: cfg.mount,
      aborted: false, abort_err: init !== null && (init.flags & FUSE_INIT_FLAG.FUSE_ABORT_ERROR) !== 0n,
      io_uring: negotiated, negotiated,
      max_write: init ? negotiatedMaxWrite(init) : 4096, max_pages: init ? negotiatedMaxPages(init, this.rev.a) : 32,
      ring: null, ringExited: false, requests: new Map(), nextUnique: 2n, nextEntryId: 0, availClock: 0, memlock_used: 0, held: new Map(),
      activeBg: 0, maxBackground: init?.max_background ?? SERVER_INIT.max_background, serverTable: newServerTable(cfg),
    };
    this.fs = newFs(cfg.open_flags ?? FOPEN.FOPEN_DIRECT_IO);
    this.vfs = {
      maxWrite: this.st.max_write, maxPages: this.st.max_pages, pageSize: Number(this.rev.a['kernel.page_size']),
      dcache: this.dcache, negative: this.negative, unhashed: this.unhashed, detached: () => this.detached, fs: this.fs, background: () => { throw new Error('background request outside a client op'); },
    };
    // Where the ring is created at INIT (7.3), only when io_uring was negotiated.
    if (this.rev.ringAtInit && negotiated) this.createRing();
  }

  run(cmd: Command): Event[] {
    this.faultReturned = null;
    const events = match(cmd)
      .with({ kind: 'uring_cmd' }, (c) => this.uringCmd(c.tag, c.sqe).events)
      .with({ kind: 'client' }, (c) => this.client(c))
      .with({ kind: 'serve' }, (c) => this.serve(c.tag))
      .with({ kind: 'mem' }, (c) => { this.mem(c); return []; })
      .with({ kind: 'dev_reply' }, (c) => this.devReply(c.error))
      // fusectl's abort file goes with the superblock (fuse_ctl_remove_conn at kill_sb): after the umount, abort reaches nothing.
      .with({ kind: 'abort' }, () => (this.sbGone ? [] : this.teardown(true)))
      .with({ kind: 'umount' }, () => this.umount())
      .with({ kind: 'ring_exit' }, () => this.ringExit())
      .with({ kind: 'server_exit' }, () => this.serverExit())
      .exhaustive();
    return [...events, ...this.afterFaults()];
  }

  /** A `mem` step: the named entry's header or payload, or the queue's pool, changes protection (unmapped stays so). */
  private mem(c: Extract<Command, { kind: 'mem' }>): void {
    const target = c.region === 'pool' ? this.st.ring?.queues.get(c.qid ?? 0)?.poolMem
      : [...this.st.ring?.queues.values() ?? []].flatMap((q) => q.entries).find((e) => e.regTag === c.entry)?.[c.region === 'header' ? 'hdr' : 'pay'];
    if (!target) return;
    for (const part of c.part === 'all' ? (['head', 'tail'] as const) : (['tail'] as const)) {
      if (target[part] !== 'unmapped') target[part] = c.prot;
    }
  }

  /**
   * Requests whose copy into an entry faulted end with -EFAULT once the entry has moved on (fuse_uring_send_in_task ends
   * the request, then fuse_uring_get_next_fuse_req); their clients then go on, which may fault again.
   */
  private afterFaults(): Event[] {
    const out: Event[] = [];
    while (this.faulted.length > 0) {
      for (const { req, errno } of this.faulted.splice(0)) out.push(...this.finished(req, { error: errno, body: EMPTY }));
    }
    // A faulted request may have been the last thing holding a detached mount's superblock.
    return this.afterClientDone(out);
  }

  private createRing(): void {
    if (this.st.ring || !this.st.cfg.init) return;
    this.st.ring = { nr_queues: this.st.cfg.nr_cpus, max_payload_sz: maxPayloadSz(this.st.cfg.init, this.st.a), queues: new Map(), ready: false };
  }

  private probe(cmd: UringCmdSpec, firstOnQueue = false): Probe {
    return { st: this.st, cmd, queue: this.st.ring?.queues.get(cmd.qid), firstOnQueue };
  }

  private applyEffect = (e: EffectName, p: Probe): Probe => {
    if (e === 'create_ring') { this.createRing(); return this.probe(p.cmd, p.firstOnQueue); }
    const ring = this.st.ring;
    if (!ring || ring.queues.has(p.cmd.qid)) return this.probe(p.cmd, p.firstOnQueue);
    ring.queues.set(p.cmd.qid, { qid: p.cmd.qid, stopped: false, mode: emptyMode(), entries: [], pending: [], busyBufs: new Set(), bgQueue: [], activeBg: 0, poolMem: { head: 'rw', tail: 'rw' } });
    return this.probe(p.cmd, true);
  };

  private table(id: TableId): RuleTable | undefined { return this.rev.tables[id]; }

  uringCmd(tag: string, sqe: UringCmdSpec): CmdOutcome {
    if (this.st.ringExited) return { rule: null, events: [{ kind: 'cqe', tag, res: E('EBADF') }] };
    if (sqe.cmd_op === COMMIT) this.serverAnswers(sqe);
    // The server puts a registered pool in its buffer table before it submits, whatever the kernel then says.
    this.placed = sqe.cmd_op === ADD_BUFPOOL && sqe.fixed && sqe.bufpool?.addr === 'valid'
      ? placeFixedPool(this.st.serverTable, sqe.buf_index ?? 0, sqe.bufpool.len, this.slotHeld(sqe.buf_index ?? 0)).at !== null : false;
    const opName = Object.entries(this.rev.cmdOps).find(([, v]) => v === sqe.cmd_op)?.[0];
    const first = !(this.st.ring?.queues.has(sqe.qid) ?? false);
    const common = evaluate(this.table('common')!.rows, this.probe(sqe, first));
    if (common.failed) return this.fail(tag, common.failed);
    const tableId = match(opName)
      .with('FUSE_IO_URING_CMD_REGISTER', () => 'register' as const)
      .with('FUSE_IO_URING_CMD_COMMIT_AND_FETCH', () => 'commit_and_fetch' as const)
      .with('FUSE_IO_URING_CMD_ADD_QUEUE', () => 'add_queue' as const)
      .with('FUSE_IO_URING_CMD_ADD_BUFPOOL', () => 'add_bufpool' as const)
      .otherwise(() => null);
    if (tableId === null) return { rule: null, events: [{ kind: 'cqe', tag, res: E('EINVAL') }] };
    const ev = evaluate(this.table(tableId)!.rows, this.probe(sqe, first), this.applyEffect);
    this.fired.push(...ev.applied);
    if (ev.failed) {
      const out = this.fail(tag, ev.failed);
      // Any REGISTER failure turns io-uring off for the connection and wakes blocked clients.
      if (tableId === 'register') out.events.push(...this.disableUring());
      return out;
    }
    const p = this.probe(sqe, first || ev.effects.includes('create_queue') && first);
    return match(tableId)
      .with('register', () => ({ rule: null, events: this.register(tag, p) }))
      .with('commit_and_fetch', () => this.commit(tag, p))
      .with('add_queue', () => ({ rule: null, events: this.addQueue(tag, p) }))
      .with('add_bufpool', () => ({ rule: null, events: this.addBufpool(tag, p) }))
      .exhaustive();
  }

  private fail(tag: string, rule: Check): CmdOutcome {
    this.fired.push(rule.id);
    const events: Event[] = match(rule.errno)
      .with('reply', () => [{ kind: 'cqe' as const, tag, res: E('EINVAL') }])
      // The sleep is interruptible: the harness's signal ends it and the wait's -ERESTARTSYS becomes the CQE's res.
      .with('blocked', () => [{ kind: 'blocked' as const, tag }, { kind: 'cqe' as const, tag, res: this.rev.interruptedRes }])
      .otherwise((res) => [{ kind: 'cqe' as const, tag, res }]);
    return { rule, events };
  }

  /**
   * The server writes its reply before the COMMIT whatever the kernel will say of it, but only into the entry holding the
   * request, and only on that entry's queue (another queue's COMMIT is refused before memory is read, seed 1000009): that
   * COMMIT makes the filesystem answer it (a WRITE grows the file). It writes nothing for a later COMMIT naming the same
   * request, which the kernel then reads from the same bytes (7.3.4: a probe refused -EINVAL, then the right COMMIT
   * answers the client with the first reply).
   */
  private serverAnswers(sqe: UringCmdSpec): void {
    const id = resolvedCommitId(this.probe(sqe));
    const holder = this.st.ring?.queues.get(sqe.qid)?.entries.find((e) => e.serverHolds === id);
    if (!holder) return;
    // Whatever the kernel makes of it, the server has now answered that request (a teardown does not tell it otherwise).
    holder.serverHolds = null;
    const req = this.st.requests.get(id);
    if (!req || req.where !== 'ring' || req.answer !== null) return;
    const w = serverReply(sqe.reply ?? DEFAULT_REPLY, () => fsAnswer(this.fs, { opcode: req.opcode, nodeid: req.nodeid, opIn: req.opIn, payload: req.payload }));
    // Each part lands only where the server can write then (the kernel target's writeReply): an unwritten out header still
    // holds the request's fuse_in_header (its opcode reads as a positive error), an unwritten payload_sz the one delivered.
    const head = holder.hdr.head === 'rw' ? { unique: w.unique, error: w.error } : { unique: 'match' as const, error: req.opcode };
    req.answer = { ...head, payload_sz: holder.hdr.tail === 'rw' ? w.payload_sz : req.payload_in, body: head.error === 0 ? w.body : EMPTY };
  }

  private disableUring(): Event[] {
    if (this.mutation.failedRegisterKeepsIoUring) return [];
    this.st.io_uring = false;
    const woken = this.blocked.splice(0);
    return woken.flatMap((u) => this.dispatch(this.st.requests.get(u)!));
  }

  private register(tag: string, p: Probe): Event[] {
    const q = p.queue!;
    const model = QUEUE_MODELS[this.rev.queueModel];
    model.applyRegister(this.st, q, p);
    const iov = p.cmd.iov ?? [];
    const e: Entry = {
      id: this.st.nextEntryId++, tag, regTag: tag, ...model.entryMemory(this.st, q, p), state: 'FRRS_AVAILABLE', unique: null, serverHolds: null,
      payload_len: iov[1]?.len ?? 0, payload_addr: iov[1]?.addr ?? 'null', buf_index: p.cmd.buf_index ?? 0, buf_id: null,
      zero_copy_index: p.cmd.ent_zero_copy_buf_index ?? 0, zcSlot: null,
      availSeq: this.st.availClock++,
    };
    q.entries.push(e);
    this.st.held.set(tag, e);
    // fuse_uring_do_register() only makes the entry available and checks readiness; it never fetches queued requests.
    const events: Event[] = [];
    const ring = this.st.ring!;
    if (!ring.ready && this.everyQueueAvailable()) {
      ring.ready = true;
      const woken = this.blocked.splice(0);
      for (const q of ring.queues.values()) {
        const reqs = woken.map((u) => this.st.requests.get(u)!).filter((r) => r.qid === q.qid);
        // Alike requests (the same opcode, inode and arguments) look the same whichever takes the entry; which of their
        // clients goes on first shows only if a later step names one of them (see client()).
        const kinds = new Set(reqs.map((r) => `${r.opcode}:${r.nodeid}:${argOf({ opcode: r.opcode, nodeid: r.nodeid, opIn: r.opIn, payload: r.payload })}`));
        const clients = new Set(reqs.flatMap((r) => (r.client === null ? [] : [r.client])));
        if (kinds.size === 1 && clients.size > 1) for (const c of clients) this.interchangeable.add(c);
        const n = reqs.length;
        // Which takes which entry (or waits, or faults in it) is the order they run in: the ring's readiness wakes them
        // all at once, so this step's own events are the scheduler's too (a LOOKUP faulting first, seed 41 with load).
        if (kinds.size > 1) this.schedulerOrder ??= { why: `${n} unlike requests woken together for queue ${q.qid}`, thisStep: true };
      }
      for (const u of woken) events.push(...this.dispatch(this.st.requests.get(u)!));
    }
    return events;
  }

  /** is_ring_ready(): every qid in [0, nr_queues) has a queue with an available entry. */
  everyQueueAvailable(): boolean {
    const ring = this.st.ring;
    if (!ring) return false;
    const has = (qid: number) => ring.queues.get(qid)?.entries.some((x) => x.state === 'FRRS_AVAILABLE') ?? false;
    const qids = Array.from({ length: ring.nr_queues }, (_, q) => q);
    return this.mutation.readyOnAnyQueue ? qids.some(has) : qids.every(has);
  }

  private commit(tag: string, p: Probe): CmdOutcome {
    const q = p.queue!;
    const e = q.entries.find((x) => x.unique === resolvedCommitId(p))!;
    const req = this.st.requests.get(e.unique!)!;
    e.state = 'FRRS_COMMIT';
    this.st.held.delete(e.tag);
    e.tag = tag;
    this.st.held.set(tag, e);
    // What the kernel reads is what the server wrote when a COMMIT first named the request (serverAnswers), else the
    // delivered header as it was.
    const reply = req.answer ?? { unique: 'match' as const, error: req.opcode, payload_sz: req.payload_in, body: EMPTY };
    const verdict = evaluate(this.table('reply')!.rows, { ...p, cmd: { ...p.cmd, commit_id: req.unique, reply }, entry: e, request: req, payloadMem: this.payloadMem(q, e) });
    if (verdict.failed) this.fired.push(verdict.failed.id);
    const res = verdict.failed === null ? 0 : match(verdict.failed.errno)
      .with('reply', () => reply.error)
      .with('blocked', () => { throw new Error(`reply row ${verdict.failed!.id} cannot block`); })
      .otherwise((e) => e);
    const result: ReqResult = res === 0 ? { error: 0, body: zeroPadded(reply.body, reply.payload_sz, this.st.ring!.max_payload_sz) } : { error: res, body: EMPTY };
    const ended: Event[] = [];
    req.where = 'done';
    e.unique = null;
    // fuse_uring_req_end() → zero_copy_unregister(): the slot is free again before the entry fetches.
    e.zcSlot = null;
    e.state = 'FRRS_AVAILABLE';
    e.availSeq = this.st.availClock++;
    BUFFER_POLICIES[this.rev.bufferPolicy].afterCommit(q, e);
    // fuse_uring_commit() ends the request (waking its task) and the entry fetches the next queued one in the same
    // call; the woken task's next request comes after, when it runs (fuse_uring_commit_fetch).
    // fuse_uring_req_end() flushes the queue's bg list before this entry fetches: a background request it lets through
    // is the one this COMMIT's CQE brings (seen on 6.18.44: answering a RELEASE delivers the next waiting RELEASE).
    if (req.background) this.bgEnded(req);
    const fetched = this.fetch(q, e);
    this.returning = e.state === 'FRRS_AVAILABLE' ? e : null;
    try { ended.push(...(req.client === null ? [] : this.resume(req.client, result))); } finally { this.releaseReturning(); this.returning = null; }
    return { rule: null, events: this.afterClientDone([...fetched, ...ended]) };
  }

  private addQueue(tag: string, p: Probe): Event[] {
    p.queue!.mode.zero_copy = ((p.cmd.flags ?? 0n) & FUSE_URING_ZERO_COPY$R8) !== 0n;
    return [{ kind: 'cqe', tag, res: 0 }];
  }

  private addBufpool(tag: string, p: Probe): Event[] {
    const m = p.queue!.mode;
    m.payload = 'pool';
    m.nr_bufs = Math.floor((p.cmd.bufpool?.len ?? 0) / this.st.ring!.max_payload_sz);
    m.buf_size = this.st.ring!.max_payload_sz;
    m.registered_index = p.cmd.fixed ? p.cmd.buf_index ?? 0 : null;
    m.registered_backed = this.placed;
    Object.assign(p.queue!.poolMem, memOf(p.cmd.bufpool?.addr ?? 'valid'));
    return [{ kind: 'cqe', tag, res: 0 }];
  }

  /** A request ended with `res` and no reply payload (abort, an error before the ring, a /dev/fuse reply). */
  private endRequest(req: Request, res: number, body: Uint8Array = EMPTY): Event[] {
    req.where = 'done';
    return this.finished(req, { error: res, body });
  }

  /** What follows a request's end: background accounting, and the client's op going on or returning. */
  private finished(req: Request, result: ReqResult): Event[] {
    if (req.background) this.bgEnded(req);
    return req.client === null ? [] : this.resume(req.client, result);
  }

  /**
   * An entry that just became free takes the head of its queue's fuse_req_queue (fuse_uring_ent_assign_req looks at the
   * first request only): delivered, or, when the copy faults, ended and the next head tried; no pool buffer: it waits.
   */
  private drain(q: Queue, e: Entry, keepBuffer = false): Event[] {
    while (e.state === 'FRRS_AVAILABLE' && q.pending.length > 0) {
      const r = this.offer(q, e, this.st.requests.get(q.pending[0]!)!);
      if (r === 'nobuf') break;
      q.pending.shift();
      if (r !== 'fault') return [r];
    }
    if (e.state === 'FRRS_AVAILABLE' && !keepBuffer) release(q, e);
    return [];
  }

  /**
   * After a commit the entry fetches the next request (fuse_uring_next_fuse_req); finding none, it gives its buffer back
   * then, which is after the woken client's next request only when that one races it (releaseReturning()).
   */
  private fetch(q: Queue, e: Entry): Event[] { return this.drain(q, e, true); }

  /** The returning entry's fetch found nothing: its buffer is free again (7.3 fuse_uring_next_req_update_buffer). */
  private releaseReturning(): void {
    const e = this.returning;
    const q = e && e.state === 'FRRS_AVAILABLE' ? [...(this.st.ring?.queues.values() ?? [])].find((x) => x.entries.includes(e)) : undefined;
    if (q) release(q, e!);
  }

  /** The memory a request of entry `e` has its payload in: its own iovec, or its queue's pool (a registered pool is pinned). */
  private payloadMem(q: Queue, e: Entry): Mem {
    return q.mode.payload === 'pool' ? (q.mode.registered_index !== null ? { head: 'rw', tail: 'rw' } : q.poolMem) : e.pay;
  }

  /**
   * Hands `req` to entry `e`: the CQE the server sees; 'nobuf' when no pool buffer is free (it waits); 'fault' when the
   * copy into the server's memory faults (the request ends -EFAULT, no CQE, the entry stays available at the head).
   */
  private offer(q: Queue, e: Entry, req: Request): Event | 'nobuf' | 'fault' {
    const had = e.buf_id;
    const buf = this.selectBuffer(q, e, req);
    if (buf === 'none') return 'nobuf';
    const copy = this.deliverVerdict(q, e, req);
    if (copy.failed) {
      this.fired.push(copy.failed.id);
      if (had === null) release(q, e);
      req.where = 'done';
      this.faulted.push({ req, errno: copy.failed.errno as number });
      e.availSeq = this.st.availClock++;
      this.faultReturned = e;
      return 'fault';
    }
    e.state = 'FRRS_USERSPACE';
    e.unique = req.unique;
    e.serverHolds = req.unique;
    q.lastDelivered = req.unique;
    req.where = 'ring';
    this.fired.push(ringEffect(req.opcode));
    this.st.held.delete(e.tag);
    const arg = argOf({ opcode: req.opcode, nodeid: req.nodeid, opIn: req.opIn, payload: req.payload });
    const placement = bufferPlacement(this.rev.bufferReport, q, buf);
    // A zero-copied request's pages sit in the entry's slot of the server's buffer table until the request ends.
    const zc = zeroCopied(q, req);
    if (zc) e.zcSlot = e.zero_copy_index;
    const d: DeliveredReq = {
      opcode: req.opcode, unique: req.unique, commit_id: req.unique, payload_sz: req.payload_in + (this.mutation.payloadSzCountsOpIn ? this.opInSize(req.opcode) : 0), nodeid: req.nodeid,
      ...(arg !== undefined ? { arg } : {}), ...(zc ? { flags: FUSE_URING_ENT_ZERO_COPY$R8 } : {}), ...placement.req,
      ...(req.opcode === FUSE_OPCODE.FUSE_WRITE ? { data: this.mutation.payloadAfterOpIn && req.payload_in > 0 ? 'mismatch@0' : 'ok' } : {}),
    };
    return { kind: 'cqe', tag: e.tag, res: 0, req: d, ...placement.cqe };
  }

  private opInSize(opcode: number): number { const l = OP_IN[opcode]; return l ? this.rev.lookup(l).size : 0; }

  /** Payload buffer for a request, by the revision's policy (spec/model/buffers.ts). */
  private selectBuffer(q: Queue, e: Entry, req: Request): number | null | 'none' {
    const kept = e.buf_id;
    const b = BUFFER_POLICIES[this.rev.bufferPolicy].select(q, e, req);
    // A request that wants no buffer gives back the one its entry kept (fuse_uring_next_req_update_buffer).
    if (b === null && kept !== null) release(q, e);
    return b;
  }

  private openFiles(): number { return [...this.slots.values()].filter((s) => s.file !== null).length; }

  private inFlight(): number {
    return [...this.st.requests.values()].filter((r) => r.where !== 'done').length;
  }

  /** umount2(MNT_DETACH): kill_sb, and so fuse_conn_destroy(), runs only once no client holds the mount. */
  private umount(): Event[] {
    if (!this.st.devBound || this.detached) return [];
    // Open files pin the superblock as in-flight requests do: the connection outlives the detach until they are gone.
    if (this.inFlight() > 0 || this.openFiles() > 0) { this.detached = true; return []; }
    this.sbGone = true;
    return this.teardown(false);
  }

  /**
   * The last client of a detached mount leaving destroys the superblock, aborted meanwhile or not: fuse_conn_destroy()
   * calls fuse_chan_abort(chan, false), which on 7.x clears an earlier fusectl abort's error (7.3.4: a COMMIT then
   * answers -ENOTCONN, not -ECONNABORTED).
   */
  private afterClientDone(events: Event[]): Event[] {
    if (this.detached && !this.sbGone && this.inFlight() === 0 && this.openFiles() === 0) { this.sbGone = true; events.push(...this.teardown(false)); }
    return events;
  }

  private slot(n: number): Slot {
    let sl = this.slots.get(n);
    if (!sl) { sl = { file: null, op: null }; this.slots.set(n, sl); }
    return sl;
  }

  /** A client op: the named client (stat: the lowest idle one, as the kernel target's pool picks) starts it. */
  private client(c: ClientCommand): Event[] {
    if (!this.st.cfg.mount || this.detached) throw new Error('client without a mount: the harness has no path to use');
    let n = c.client ?? 0;
    if (c.client === undefined && c.op === 'stat') while (this.slot(n).op) n++;
    const sl = this.slot(n);
    // Naming one of them while they differ (one done, one waiting) depends on which the scheduler ran first.
    const ic = [...this.interchangeable];
    if (c.client !== undefined && this.interchangeable.has(n) && ic.some((x) => this.slot(x).op !== null) && ic.some((x) => this.slot(x).op === null)) {
      this.schedulerOrder ??= { why: `client ${n} named while clients ${ic.join(', ')}, woken together with alike requests, differ in which is done`, thisStep: true };
    }
    if (sl.op) return [{ kind: 'client_busy', tag: c.tag }];
    const gen = clientOp(this.vfs, c, { get: () => sl.file, set: (f) => { sl.file = f; } });
    sl.op = { tag: c.tag, gen, cpu: c.cpu, seq: this.opSeq++ };
    return this.advance(n, () => gen.next());
  }

  /** Resumes a client's op with the result of its request. */
  private resume(n: number, result: ReqResult): Event[] {
    const op = this.slot(n).op;
    if (!op) return [];
    return this.advance(n, () => op.gen.next(result));
  }

  /**
   * Runs the op to its next request (issued from the client's CPU) or to its end (the client is done). Background
   * requests it queues meanwhile (close's RELEASE) go from the same CPU, before the op returns.
   */
  private advance(n: number, next: () => IteratorResult<Yielded, { res: number; data?: string }>): Event[] {
    const sl = this.slot(n);
    const op = sl.op!;
    const out: Event[] = [];
    const woken: { n: number; with: ReqResult }[] = [];
    this.vfs.background = (spec) => out.push(...this.issue(null, spec, op.cpu));
    let it = next();
    for (;;) {
      if (it.done) {
        sl.op = null;
        const v = it.value;
        out.push(v.data !== undefined ? { kind: 'client_done', tag: op.tag, res: v.res, data: v.data } : { kind: 'client_done', tag: op.tag, res: v.res });
        break;
      }
      const y = it.value;
      if (!isLock(y)) { out.push(...this.issue(n, y, op.cpu)); break; }
      if (y.lock === 'acquire' || y.lock === 'lookup') {
        if (this.lockOwner.has(y.key)) { this.lockWaiters.set(y.key, [...this.lockWaiters.get(y.key) ?? [], n]); break; }
        this.lockOwner.set(y.key, n);
      } else if (y.lock === 'shared' || y.lock === 'exclusive') {
        // An rwsem: readers share it, a writer has it alone, and a waiting writer holds back later readers (FIFO).
        const rs = this.readers.get(y.key) ?? new Set<number>(), ws = this.rwWaiters.get(y.key) ?? [];
        const free = !this.lockOwner.has(y.key) && (y.lock === 'shared' ? ws.length === 0 : rs.size === 0);
        if (!free) { this.rwWaiters.set(y.key, [...ws, { n, shared: y.lock === 'shared' }]); break; }
        if (y.lock === 'shared') this.readers.set(y.key, rs.add(n)); else this.lockOwner.set(y.key, n);
      } else if (y.lock === 'unlock_rw') {
        const rs = this.readers.get(y.key);
        if (rs?.has(n)) rs.delete(n); else this.lockOwner.delete(y.key);
        const ws = this.rwWaiters.get(y.key) ?? [];
        if (!this.lockOwner.has(y.key) && (rs?.size ?? 0) === 0 && ws.length > 0) {
          if (!ws[0]!.shared) { this.lockOwner.set(y.key, ws.shift()!.n); woken.push({ n: this.lockOwner.get(y.key)!, with: NONE_RESULT }); }
          else while (ws[0]?.shared) { const w = ws.shift()!.n; this.readers.set(y.key, (this.readers.get(y.key) ?? new Set<number>()).add(w)); woken.push({ n: w, with: NONE_RESULT }); }
        }
      } else if (y.lock === 'release') {
        // The next waiter gets the lock now, but runs only after this client, which is on its CPU, goes on.
        const next = this.lockWaiters.get(y.key)?.shift();
        if (next === undefined) this.lockOwner.delete(y.key); else { this.lockOwner.set(y.key, next); woken.push({ n: next, with: NONE_RESULT }); }
      } else {
        // d_lookup_done() wakes every sleeper on the dentry; none owns it, each walks again.
        this.lockOwner.delete(y.key);
        for (const w of this.lockWaiters.get(y.key) ?? []) woken.push({ n: w, with: WAITED });
        this.lockWaiters.delete(y.key);
      }
      it = op.gen.next(NONE_RESULT);
    }
    const goesOn = sl.op !== null;
    const sent = new Map<number, number>(goesOn ? [[op.cpu, n]] : []);
    for (const { n: w, with: result } of woken) {
      const before = this.st.nextUnique;
      out.push(...this.advance(w, () => this.slot(w).op!.gen.next(result)));
      const cpu = this.slot(w).op?.cpu;
      if (this.st.nextUnique === before || cpu === undefined) continue;
      // Two of waker and waiters send a request from one CPU: whichever the scheduler runs first queues first (a woken
      // waiter that slept long may preempt the waker at once), so the order from here is not the model's to say.
      const other = sent.get(cpu);
      if (other !== undefined) this.schedulerOrder ??= { why: `client ${n} woke client ${w}, and it and client ${other} send requests from cpu ${cpu}`, thisStep: this.ringOrders() };
      else sent.set(cpu, w);
    }
    // A woken client that now queues for a lock another client woken with it holds: a mutex is not handed over, the first
    // to run takes it (seen on 6.18.44: findings 624790fa04d5, an in-lookup sleeper, and cc2d1bae0864, two i_rwsem readers).
    for (const { n: w } of woken) {
      const key = [...this.lockWaiters].find(([, ws]) => ws.includes(w))?.[0];
      const owner = key === undefined ? undefined : this.lockOwner.get(key);
      if (owner !== undefined && owner !== w && woken.some((x) => x.n === owner)) {
        this.schedulerOrder ??= { why: `clients ${owner} and ${w}, woken together, race for ${key}`, thisStep: this.ringOrders() };
      }
    }
    return out;
  }

  /**
   * Whether the order of requests sent now shows in this very step: through a ready ring each takes the entry (CQE tag)
   * its turn gives it, and a serve answers them in that order (310c6a915d8b, 0b055babc612); /dev/fuse requests are
   * untagged, so their order shows only from the next step on.
   */
  /** Whether a delivered zero-copied request's pages sit in buffer-table slot `index` now. */
  private slotHeld(index: number): boolean {
    return [...(this.st.ring?.queues.values() ?? [])].some((q) => q.entries.some((e) => e.zcSlot === index));
  }

  private ringOrders(): boolean { return this.st.ring?.ready ?? false; }

  /** A request enters the connection: refused when disconnected, held back before INIT or readiness, else sent. */
  private issue(client: number | null, spec: ReqSpec, cpu: number): Event[] {
    const nr = this.st.cfg.nr_cpus;
    const req: Request = {
      unique: this.st.nextUnique, opcode: spec.opcode, client, qid: cpu < nr ? cpu : 0, nodeid: spec.nodeid, opIn: spec.opIn,
      payload: spec.payload, payload_in: spec.payload.length, reply_size: spec.reply_size, reply_argvar: spec.reply_argvar,
      pages: spec.opcode === FUSE_OPCODE.FUSE_READ || spec.opcode === FUSE_OPCODE.FUSE_WRITE, zero_copy: spec.zero_copy ?? false, force: spec.force, background: spec.background,
      where: 'queued', answer: null,
    };
    this.st.nextUnique += 2n;
    this.st.requests.set(req.unique, req);
    if (!this.st.connected) {
      // fuse_get_req()/fuse_request_send(): a disconnected channel refuses at once (7.x: conn_error after an aborted INIT).
      return this.endRequest(req, this.rev.abortBeforeInitRefuses && this.abortedBeforeInit ? E('ECONNREFUSED') : E('ENOTCONN'));
    }
    if (!req.force && (!this.st.initialized || (this.st.io_uring && !(this.st.ring?.ready ?? false)))) {
      // fuse_block_alloc(): clients wait for INIT, and with io-uring negotiated until the ring is ready.
      this.blocked.push(req.unique);
      return [];
    }
    return req.background ? this.queueBackground(req) : this.dispatch(req);
  }

  /**
   * fuse_uring_queue_bq_req(): a background request joins its queue's bg list, fuse_uring_flush_bg() lets it through
   * while fc->active_background < max_background (or the queue has none active), then an available entry takes the
   * head of fuse_req_queue, which may be an older request. Before the ring is ready it goes to /dev/fuse.
   */
  private queueBackground(req: Request): Event[] {
    if (!this.st.ring?.ready) return [this.toDev(req)];
    const q = this.st.ring.queues.get(req.qid);
    if (!q || q.stopped) return this.endRequest(req, E('ENOTCONN'));
    q.bgQueue.push(req.unique);
    this.flushBg(q);
    const e = this.entryFor(q, req);
    return e ? this.drain(q, e) : [];
  }

  private flushBg(q: Queue): void {
    while ((this.st.activeBg < this.st.maxBackground || q.activeBg === 0) && q.bgQueue.length > 0) {
      q.pending.push(q.bgQueue.shift()!);
      this.st.activeBg++;
      q.activeBg++;
    }
  }

  /** fuse_uring_req_end() → fuse_request_bg_finish(): the counters drop and the queue's bg list moves on. */
  private bgEnded(req: Request): void {
    const q = this.st.ring?.queues.get(req.qid);
    if (!q || req.where === 'dev') return;
    this.st.activeBg = Math.max(0, this.st.activeBg - 1);
    q.activeBg = Math.max(0, q.activeBg - 1);
    this.flushBg(q);
  }

  /**
   * `serve`: COMMIT_AND_FETCH with the filesystem's answer for each request the server was handed and has not answered,
   * by entry tag: the server's view, so a request an abort already ended is still answered (and the kernel refuses it).
   */
  private serve(tag: string): Event[] {
    const out: Event[] = [];
    for (let n = 1; n <= SERVE_MAX; n++) {
      const next = [...this.st.ring?.queues.values() ?? []].flatMap((q) => q.entries.map((e) => ({ q, e })))
        .filter(({ e }) => e.serverHolds !== null)
        .sort((a, b) => a.e.tag.localeCompare(b.e.tag))[0];
      if (!next) return out;
      const m = next.q.mode;
      out.push(...this.uringCmd(`${tag}.${n}`, {
        cmd_op: COMMIT, qid: next.q.qid, commit_id: next.e.serverHolds!, reply: DEFAULT_REPLY,
        ...(m.payload === 'pool' && m.registered_index !== null ? { fixed: true, buf_index: m.registered_index } : {}),
      }).events);
      // Requests that faulted end now, so what their clients do next is there for the next COMMIT to answer (the kernel
      // target settles after each one): a LOOKUP faulting in one entry wakes a reader whose LOOKUP another entry takes.
      out.push(...this.afterFaults());
    }
    throw new Error(`serve: still answering after ${SERVE_MAX} requests`);
  }

  /** Once ready, fuse_uring_do_register() switched fiq->ops to the ring: fc->io_uring no longer matters for routing. */
  private dispatch(req: Request): Event[] {
    if (!this.st.ring?.ready) return [this.toDev(req)];
    const q = this.st.ring.queues.get(req.qid)!;
    // fuse_uring_queue_fuse_req(): the new request takes list_first_entry() of ent_avail_queue (the most recently
    // available entry); with none, or no free buffer, it waits on fuse_req_queue behind older ones.
    const e = this.entryFor(q, req);
    const r = e ? this.offer(q, e, req) : 'nobuf';
    if (r === 'nobuf') { q.pending.push(req.unique); return []; }
    // A faulted copy ends this request; the entry then goes on to whatever its queue holds.
    return r === 'fault' ? this.drain(q, e!) : [r];
  }

  private availableEntry(q: Queue, except?: Entry): Entry | undefined {
    const order = this.mutation.oldestEntryFirst ? 1 : -1;
    return q.entries.filter((x) => x.state === 'FRRS_AVAILABLE' && x !== except).sort((a, b) => order * (a.availSeq - b.availSeq))[0];
  }

  /**
   * fuse_uring_commit() wakes the request's task before fuse_uring_get_next_fuse_req() puts the entry back on
   * ent_avail_queue: a woken client on another CPU whose next request gets there first takes the next available entry
   * instead (seen on 6.18.44, findings 5beaad206e31 and 822ca15dc781). Either is the kernel's; the model takes the
   * usual one unless the observed trace shows the other.
   */
  private entryFor(q: Queue, req: Request): Entry | undefined {
    // Usually the committing entry's fetch is over before the woken client's next request: its buffer is free by then.
    const usual = (e: Entry | undefined) => { this.releaseReturning(); return e; };
    const first = this.availableEntry(q);
    // Two ways only where the usual entry is on its way back: a COMMIT's, or a fault's (the copy runs in the server's
    // task work, so a client's next request can find the entry still out: furc fuzz --jobs 2 seed 21, 3/3 both ways).
    if (first === undefined || (first !== this.returning && first !== this.faultReturned)) return usual(first);
    const other = this.availableEntry(q, first);
    if (other === undefined) return usual(first);
    const seen = this.mutation.clientFirstAfterCommit ? other.tag
      : this.observed?.({ opcode: req.opcode, nodeid: req.nodeid, arg: argOf({ opcode: req.opcode, nodeid: req.nodeid, opIn: req.opIn, payload: req.payload }), op: req.client === null ? undefined : this.slot(req.client).op?.tag });
    // The request beat the entry back: that entry still holds its pool buffer, so the other one takes the next free one
    // (7.3.4 under furc vm, seed 732: offset 8192, not 0).
    if (seen === other.tag) return other;
    // Delivered nowhere while a client got -EFAULT: it went to the one of the two whose memory faults (no CQE tells which).
    return usual(seen === FAULTED_IN_AN_ENTRY && this.faultsIn(q, other, req) && !this.faultsIn(q, first, req) ? other : first);
  }

  /** Whether delivering `req` into `e` would fail a deliver row (its header or payload memory faults). */
  private faultsIn(q: Queue, e: Entry, req: Request): boolean { return this.deliverVerdict(q, e, req).failed !== null; }

  /** The deliver table's verdict on copying `req` into entry `e` (fuse_uring_prepare_send). */
  private deliverVerdict(q: Queue, e: Entry, req: Request) {
    return evaluate(this.table('deliver')?.rows ?? [], { st: this.st, cmd: { cmd_op: 0, qid: q.qid }, queue: q, firstOnQueue: false, entry: e, request: req, payloadMem: this.payloadMem(q, e) });
  }

  private toDev(req: Request): Event {
    req.where = 'dev';
    return { kind: 'dev_request', opcode: req.opcode, unique: req.unique };
  }

  /**
   * The server answers a /dev/fuse request: the one of the client whose op started first (as the kernel target picks;
   * clients woken together queue there in the scheduler's order), a background one last.
   */
  private devReply(error: number): Event[] {
    const seq = (r: Request) => (r.client === null ? Infinity : this.slot(r.client).op?.seq ?? Infinity);
    const req = [...this.st.requests.values()].filter((r) => r.where === 'dev').sort((a, b) => seq(a) - seq(b))[0];
    if (!req) return [];
    const a = error === 0 ? fsAnswer(this.fs, { opcode: req.opcode, nodeid: req.nodeid, opIn: req.opIn, payload: req.payload }) : { error, body: EMPTY };
    return this.afterClientDone(this.endRequest(req, a.error, a.body));
  }

  /** Abort (fusectl) or umount: held SQEs get ENOTCONN, requests in flight ECONNABORTED. */
  private teardown(isAbort: boolean): Event[] {
    const withErr = isAbort && this.st.abort_err;
    // Where a later umount or device release clears the abort error (7.x fuse_chan_abort), commands then answer ENOTCONN.
    if (this.rev.releaseClearsAbortError) this.st.aborted = withErr;
    if (!this.st.connected) return [];
    this.st.connected = false;
    // fuse_abort_conn() also calls fuse_set_initialized(), so 7.3's not_initialized check passes after an abort.
    if (!this.st.initialized) this.abortedBeforeInit = true;
    this.st.initialized = true;
    if (withErr) this.st.aborted = true;
    const events: Event[] = [];
    for (const q of this.st.ring?.queues.values() ?? []) {
      q.stopped = true;
      for (const e of q.entries) {
        if (e.state === 'FRRS_AVAILABLE' || e.state === 'FRRS_COMMIT') events.push({ kind: 'cqe', tag: e.tag, res: E('ENOTCONN') });
        e.state = 'FRRS_RELEASED';
        e.zcSlot = null;
      }
      this.st.held.clear();
    }
    // Clients still in fuse_get_req() wake to !connected (ENOTCONN); requests already sent end ECONNABORTED.
    const waiting = new Set(this.blocked);
    this.blocked = [];
    // Ops that go on after their request ended (close's RELEASE) meet the closed connection at once (issue()).
    for (const req of [...this.st.requests.values()]) {
      if (req.where !== 'done') events.push(...this.endRequest(req, waiting.has(req.unique) ? E('ENOTCONN') : E('ECONNABORTED')));
    }
    return events;
  }

  /**
   * The server closes the ring and /dev/fuse: fs/fuse/dev.c:fuse_dev_release() of the last device calls
   * fuse_abort_conn(), so sent requests end ECONNABORTED and waiting clients ENOTCONN; ring CQEs are unobservable.
   */
  private serverExit(): Event[] {
    this.ringExit();
    if (!this.st.devBound) return [];
    // fuse_dev_release() ends the INIT it read (conn_error, waking clients waiting for it) before fuse_abort_conn()
    // clears connected: a woken client that runs in between gets -ECONNREFUSED, else -ENOTCONN (6.18.44 with load).
    if (this.st.connected && !this.st.initialized && this.blocked.length > 0 && !this.rev.abortBeforeInitRefuses) {
      this.schedulerOrder ??= { why: `${this.blocked.length} clients waiting for INIT race fuse_abort_conn() at the device's release`, thisStep: true };
    }
    return this.teardown(false).filter((e) => e.kind !== 'cqe');
  }

  /**
   * io_uring fd closed: IO_URING_F_CANCEL completes available entries with ENOTCONN and frees them (6.18.39+).
   * Those CQEs land in a ring nobody can read any more, so the step has no observable events.
   */
  private ringExit(): Event[] {
    if (this.st.ringExited) return [];
    this.st.ringExited = true;
    for (const q of this.st.ring?.queues.values() ?? []) {
      for (let i = q.entries.length - 1; i >= 0; i--) {
        const e = q.entries[i]!;
        if (e.state !== 'FRRS_AVAILABLE') continue;
        this.st.held.delete(e.tag);
        q.entries.splice(i, 1);
      }
    }
    return [];
  }
}

/**
 * The payload the kernel copies: payload_sz bytes of the answer, and zeros where payload_sz goes past it (the server
 * writes them, up to the ring's max payload: src/kernel/conn.ts prepareCommit).
 */
function zeroPadded(body: Uint8Array, payloadSz: number, max: number): Uint8Array {
  if (payloadSz <= body.length) return body.subarray(0, payloadSz);
  const out = new Uint8Array(paddedReplyLength(body.length, payloadSz, max));
  out.set(body);
  return out;
}
