// The reference model of one FUSE connection with its io-uring ring: answers each command with events.
import { match } from 'ts-pattern';
import { negErrno } from '../errno.js';
import { evaluate } from '../rules/engine.js';
import { maxPayloadSz, negotiatedMaxPages, negotiatedMaxWrite } from '../rules/payload.js';
import { resolvedCommitId } from '../rules/r0.js';
import type { Check, EffectName, Probe, RuleTable } from '../rules/types.js';
import { revision, type Revision, type TableId } from '../revisions.js';
import { FUSE_INIT_FLAG } from '../uapi/fuse_kernel.js';
import type { AssumptionValues } from '../types.js';
import type { Command, ConnConfig, Event, UringCmdSpec } from './commands.js';
import { requestShape } from './requests.js';
import { emptyMode, type ConnState, type Entry, type Queue, type Request } from './state.js';
import { applyRegisterMode } from './modes.js';

const E = negErrno;

/** Deliberate deviations, for mutation testing of the fuzzer (npm run mutants); the reference model uses none. */
export interface ModelMutation {
  readonly tables?: (rev: Revision) => Revision;
  readonly readyOnAnyQueue?: boolean;
  readonly failedRegisterKeepsIoUring?: boolean;
  readonly oldestEntryFirst?: boolean;
}

/** Result of one uring command: the rule that failed (if any) and the events it caused. */
export interface CmdOutcome { readonly rule: Check | null; readonly events: Event[] }

export class ConnModel {
  readonly st: ConnState;
  readonly rev: Revision;
  /** Rule ids the model evaluated as failing, for coverage reports. */
  readonly fired: string[] = [];
  private blocked: bigint[] = [];
  /** Lazily unmounted while a client was inside: the superblock (and connection) live until it leaves. */
  private detached = false;
  /**
   * Torn down with INIT unanswered: ending the INIT request sets fc->conn_error (process_init_reply). 7.x tests it in
   * fs/fuse/req.c:fuse_req_prep before the channel's !connected check, so later clients get ECONNREFUSED; 6.18's
   * fuse_get_req tests !connected first (ENOTCONN). Seen on 7.3.4 under furc vm (finding 309dbd84a446).
   */
  private abortedBeforeInit = false;

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
    };
    // 7.3 creates the ring at INIT, and only when io_uring was negotiated.
    if (cfg.revision === 'R8' && negotiated) this.createRing();
  }

  run(cmd: Command): Event[] {
    return match(cmd)
      .with({ kind: 'uring_cmd' }, (c) => this.uringCmd(c.tag, c.sqe).events)
      .with({ kind: 'client' }, (c) => this.client(c.tag, c.op, c.cpu, c.size))
      .with({ kind: 'dev_reply' }, (c) => this.devReply(c.error))
      .with({ kind: 'abort' }, () => this.teardown(true))
      .with({ kind: 'umount' }, () => this.umount())
      .with({ kind: 'ring_exit' }, () => this.ringExit())
      .with({ kind: 'server_exit' }, () => this.serverExit())
      .exhaustive();
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
    ring.queues.set(p.cmd.qid, { qid: p.cmd.qid, stopped: false, mode: emptyMode(), entries: [], pending: [], busyBufs: new Set() });
    return this.probe(p.cmd, true);
  };

  private table(id: TableId): RuleTable | undefined { return this.rev.tables[id]; }

  uringCmd(tag: string, sqe: UringCmdSpec): CmdOutcome {
    if (this.st.ringExited) return { rule: null, events: [{ kind: 'cqe', tag, res: E('EBADF') }] };
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
      .with('blocked', () => [{ kind: 'blocked' as const, tag }, { kind: 'cqe' as const, tag, res: E('ERESTARTSYS') }])
      .otherwise((res) => [{ kind: 'cqe' as const, tag, res }]);
    return { rule, events };
  }

  private disableUring(): Event[] {
    if (this.mutation.failedRegisterKeepsIoUring) return [];
    this.st.io_uring = false;
    const woken = this.blocked.splice(0);
    return woken.map((u) => this.toDev(this.st.requests.get(u)!));
  }

  private register(tag: string, p: Probe): Event[] {
    const q = p.queue!;
    applyRegisterMode(this.st, q, p);
    const iov = p.cmd.iov ?? [];
    const e: Entry = {
      id: this.st.nextEntryId++, tag, state: 'FRRS_AVAILABLE', unique: null,
      payload_len: iov[1]?.len ?? 0, payload_addr: iov[1]?.addr ?? 'null', buf_index: p.cmd.buf_index ?? 0, buf_id: null,
      availSeq: this.st.availClock++,
    };
    q.entries.push(e);
    this.st.held.set(tag, e);
    // fuse_uring_do_register() only makes the entry available and checks readiness; it never fetches queued requests.
    const events: Event[] = [];
    const ring = this.st.ring!;
    if (!ring.ready && this.everyQueueAvailable()) {
      ring.ready = true;
      for (const u of this.blocked.splice(0)) events.push(...this.dispatch(this.st.requests.get(u)!));
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
    const verdict = evaluate(this.table('reply')!.rows, p);
    if (verdict.failed) this.fired.push(verdict.failed.id);
    const res = verdict.failed === null ? 0 : match(verdict.failed.errno)
      .with('reply', () => p.cmd.reply?.error ?? 0)
      .with('blocked', () => { throw new Error(`reply row ${verdict.failed!.id} cannot block`); })
      .otherwise((e) => e);
    const events: Event[] = [this.endRequest(req, res)];
    e.unique = null;
    e.state = 'FRRS_AVAILABLE';
    e.availSeq = this.st.availClock++;
    events.push(...this.fetch(q, e));
    return { rule: null, events: this.afterClientDone(events) };
  }

  private addQueue(tag: string, p: Probe): Event[] {
    p.queue!.mode.zero_copy = ((p.cmd.flags ?? 0n) & 1n) !== 0n;
    return [{ kind: 'cqe', tag, res: 0 }];
  }

  private addBufpool(tag: string, p: Probe): Event[] {
    const m = p.queue!.mode;
    m.payload = 'pool';
    m.nr_bufs = Math.floor((p.cmd.bufpool?.len ?? 0) / this.st.ring!.max_payload_sz);
    m.buf_size = this.st.ring!.max_payload_sz;
    m.registered_index = p.cmd.fixed ? p.cmd.buf_index ?? 0 : null;
    return [{ kind: 'cqe', tag, res: 0 }];
  }

  private endRequest(req: Request, res: number): Event {
    req.where = 'done';
    return { kind: 'client_done', tag: req.client, res };
  }

  /** After a commit, the entry takes the oldest queued request it can get a buffer for (fuse_uring_next_fuse_req). */
  private fetch(q: Queue, e: Entry): Event[] {
    if (e.state !== 'FRRS_AVAILABLE') return [];
    for (let i = 0; i < q.pending.length; i++) {
      const req = this.st.requests.get(q.pending[i]!)!;
      const ev = this.deliver(q, e, req);
      if (ev) { q.pending.splice(i, 1); return [ev]; }
    }
    if (e.buf_id !== null) { q.busyBufs.delete(e.buf_id); e.buf_id = null; }
    return [];
  }

  /** Hands `req` to entry `e`: the CQE the server sees; null when no payload buffer is free (ENOBUFS). */
  private deliver(q: Queue, e: Entry, req: Request): Event | null {
    const buf = this.selectBuffer(q, e, req);
    if (buf === 'none') return null;
    e.state = 'FRRS_USERSPACE';
    e.unique = req.unique;
    req.where = 'ring';
    this.st.held.delete(e.tag);
    const ev: Event = { kind: 'cqe', tag: e.tag, res: 0, req: { opcode: req.opcode, unique: req.unique, commit_id: req.unique, payload_sz: req.payload_in } };
    return buf === null ? ev : { ...ev, buf_id: buf };
  }

  /** Payload buffer for a request: null when the queue has no buffer ring, 'none' when all are busy (ENOBUFS). */
  private selectBuffer(q: Queue, e: Entry, req: Request): number | null | 'none' {
    const m = q.mode;
    if (!m.bufring && m.payload !== 'pool') return null;
    if (req.payload_in === 0 && req.reply_size === 0) return null;
    if (e.buf_id !== null) return e.buf_id;
    for (let b = 0; b < m.nr_bufs; b++) {
      if (!q.busyBufs.has(b)) { q.busyBufs.add(b); e.buf_id = b; return b; }
    }
    return 'none';
  }

  private inFlight(): number {
    return [...this.st.requests.values()].filter((r) => r.where !== 'done').length;
  }

  /** umount2(MNT_DETACH): kill_sb, and so fuse_conn_destroy(), runs only once no client holds the mount. */
  private umount(): Event[] {
    if (!this.st.devBound || this.detached) return [];
    if (this.inFlight() > 0) { this.detached = true; return []; }
    return this.teardown(false);
  }

  /** The last client of a detached mount leaving destroys the superblock. */
  private afterClientDone(events: Event[]): Event[] {
    if (this.detached && this.inFlight() === 0 && this.st.connected) events.push(...this.teardown(false));
    return events;
  }

  private client(tag: string, op: 'stat' | 'read' | 'write', cpu: number, size?: number): Event[] {
    if (!this.st.cfg.mount || this.detached) throw new Error('client without a mount: the harness has no path to use');
    if (!this.st.connected) return [{ kind: 'client_done', tag, res: this.st.rev === 'R8' && this.abortedBeforeInit ? E('ECONNREFUSED') : E('ENOTCONN') }];
    const shape = requestShape(op, size);
    const nr = this.st.cfg.nr_cpus;
    const req: Request = { ...shape, unique: this.st.nextUnique, client: tag, qid: cpu < nr ? cpu : 0, where: 'queued' };
    this.st.nextUnique += 2n;
    this.st.requests.set(req.unique, req);
    if (!this.st.initialized || (this.st.io_uring && !(this.st.ring?.ready ?? false))) {
      // fuse_block_alloc(): clients wait for INIT, and with io-uring negotiated until the ring is ready.
      this.blocked.push(req.unique);
      return [];
    }
    return this.dispatch(req);
  }

  /** Once ready, fuse_uring_do_register() switched fiq->ops to the ring: fc->io_uring no longer matters for routing. */
  private dispatch(req: Request): Event[] {
    if (!this.st.ring?.ready) return [this.toDev(req)];
    const q = this.st.ring.queues.get(req.qid)!;
    // fuse_uring_queue_fuse_req(): the new request takes list_first_entry() of ent_avail_queue (the most recently
    // available entry); with none, or no free buffer, it waits on fuse_req_queue behind older ones.
    const order = this.mutation.oldestEntryFirst ? 1 : -1;
    const e = q.entries.filter((x) => x.state === 'FRRS_AVAILABLE').sort((a, b) => order * (a.availSeq - b.availSeq))[0];
    const ev = e ? this.deliver(q, e, req) : null;
    if (ev) return [ev];
    q.pending.push(req.unique);
    return [];
  }

  private toDev(req: Request): Event {
    req.where = 'dev';
    return { kind: 'dev_request', opcode: req.opcode, unique: req.unique };
  }

  private devReply(error: number): Event[] {
    const req = [...this.st.requests.values()].find((r) => r.where === 'dev');
    return req ? this.afterClientDone([this.endRequest(req, error)]) : [];
  }

  /** Abort (fusectl) or umount: held SQEs get ENOTCONN, requests in flight ECONNABORTED. */
  private teardown(isAbort: boolean): Event[] {
    const withErr = isAbort && this.st.abort_err;
    // 7.x fuse_chan_abort() stores abort_with_err before testing connected, so a later umount or device release
    // (abort_with_err false) clears it: commands then answer ENOTCONN. 6.18 sets fc->aborted only in fusectl's abort.
    if (this.st.rev === 'R8') this.st.aborted = withErr;
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
      }
      this.st.held.clear();
    }
    // Clients still in fuse_get_req() wake to !connected (ENOTCONN); requests already sent end ECONNABORTED.
    const waiting = new Set(this.blocked);
    for (const req of this.st.requests.values()) {
      if (req.where !== 'done') events.push(this.endRequest(req, waiting.has(req.unique) ? E('ENOTCONN') : E('ECONNABORTED')));
    }
    this.blocked = [];
    return events;
  }

  /**
   * The server closes the ring and /dev/fuse: fs/fuse/dev.c:fuse_dev_release() of the last device calls
   * fuse_abort_conn(), so sent requests end ECONNABORTED and waiting clients ENOTCONN; ring CQEs are unobservable.
   */
  private serverExit(): Event[] {
    this.ringExit();
    if (!this.st.devBound) return [];
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
