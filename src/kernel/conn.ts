// One real FUSE connection with its io_uring, driven by the same Commands as the model (runs in the worker).
import { match } from 'ts-pattern';
import type { NativeProbe } from '../../native-probe/index.js';
import { ERRNO, errnoName } from '../../spec/errno.js';
import { answer as fsAnswer, argOf, newFs, OP_IN, type FsRequest, type FsState } from '../../spec/fs/fs.js';
import { firstMismatch } from '../../spec/fs/pattern.js';
import type { ClientCommand, Command, ConnConfig, DeliveredReq, Event, UringCmdSpec } from '../../spec/conn/commands.js';
import { decode, encode } from '../../spec/codec/codec.js';
import { revision, type Revision } from '../../spec/revisions.js';
import { FOPEN, FUSE_DEV_IOC, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_ENT_ZERO_COPY$R8 } from '../../spec/uapi/fuse_uring.js';
import { IORING_OP_NOP, IORING_REGISTER_FILES, IORING_SETUP_SQE128 } from '../../spec/uapi/io_uring.js';
import { CAP, MNT_DETACH, MS_FLAG, O_FLAG } from '../../spec/uapi/linux.js';
import { bufferFromCqeFlags } from '../../spec/bufindex.js';
import { maxPayloadSz, paddedReplyLength } from '../../spec/rules/payload.js';
import { DEFAULT_REPLY, serverReply } from '../../spec/conn/serverReply.js';
import { FixedArena } from './arena.js';
import { reapCqes } from './cqes.js';
import { registerSparseTable, ZeroCopyServer } from './zeroCopy.js';
import { taskState, type ClientPool, type ClientRequest } from './clients.js';
import { readHeader, writeReply, type Delivered } from './delivery.js';
import { devReadSize, initReply, parseInitIn, parseRequest, reply, UNSOLICITED, type InitOffer } from './fuseMsg.js';
import type { MountPoint } from './mountPoint.js';
import type { ParamLock } from './paramLock.js';
import { connectionId, ensureFusectl } from './procfs.js';
import { FairDeadline } from './fairDeadline.js';
import { FusectlFiles } from './fusectlFiles.js';
import { busyIoWorkers, wakefulClients } from './quiet.js';
import { iovecArray, Memory, type Region } from './regions.js';
import { uringCmdSqe } from './sqe.js';
import { scaled, TIME_SCALE } from './timeScale.js';

const { O_RDWR, O_CREAT } = O_FLAG;
const { MS_NOSUID, MS_NODEV } = MS_FLAG;
const CAP_IPC_LOCK = BigInt(CAP.CAP_IPC_LOCK), CAP_SYS_ADMIN = BigInt(CAP.CAP_SYS_ADMIN);
/** user_data bit of the harness's own NOP fences, and of the server's own reads and writes (zero-copy). */
const FENCE = 1n << 62n, SERVER_IO = 1n << 61n;
const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT, FUSE_IO_URING_CMD_ADD_BUFPOOL: ADD_BUFPOOL } = FUSE_URING_CMD;
/** Waits are decided by events; these only bound them (past one, the step fails with what was still going on). */
export const DEADLINE = { step: scaled(5000), teardown: scaled(5000), exit: scaled(10_000), fence: scaled(2000) } as const;
/** A server answers at most this many requests in one `serve` step (a client that loops forever must not hang it). */
const SERVE_MAX = 512;
const NAP = new Int32Array(new SharedArrayBuffer(4));
/** A task falling asleep, a fusectl file changing: no fd tells, so these are looked at again after this many ms. */
export const NAP_MS = 0.2;
/** FURC_DEBUG_SETTLE=1: each settle round on stderr. Read once: process.env is a lookup in the C++ environment each time. */
const DEBUG_SETTLE = !!process.env.FURC_DEBUG_SETTLE;
/**
 * The k-th nap of one settle: 0.05 ms, 0.1, then NAP_MS. Half the waits of a client op ended by the timeout, the client
 * having fallen asleep in FUSE (fuse_get_req, request_wait_answer) or still running its op: a first look sooner finds
 * it asleep sooner. How long to nap never decides anything: quiet is still two rounds in a row with no one busy.
 */
const napAfter = (k: number): number => Math.min(NAP_MS, 0.05 * 2 ** k);
/**
 * When the submit watch first looks at a submission on an unbound device (after 5 ms, those took 1.3 s of a 10 s fuzz),
 * stretched under emulation, where a look every 0.2 ms before the submitter even sleeps takes the guest's CPU.
 */
const UNBOUND_LOOK_MS = 0.2 * TIME_SCALE;
/**
 * The submit watch's sample period (the addon's watchPeriod): a watched submission is looked at once it has lasted this
 * long. Stretched like the windows above: at 5 ms the watch of each worker in a TCG guest woke 200 times a second, and
 * the two watch threads took 4.4 % of the guest's CPU (perf in the guest: 7.3.4, R8, jobs 2).
 */
const WATCH_PERIOD_MS = 5 * TIME_SCALE;
/** FUSE_URING_ENT_ZERO_COPY in ent_in_out.flags: the request's pages are in the entry's buffer-table slot, not copied. */
const zeroCopied = (d: Delivered): boolean => (d.flags & FUSE_URING_ENT_ZERO_COPY$R8) !== 0n;

interface Entry {
  readonly qid: number;
  /** The tag of the SQE it holds now: its REGISTER's, then each accepted COMMIT's. */
  sqeTag: string;
  readonly header: Region | null;
  readonly payload: Region | null;
  /** The request it holds (delivered, not yet committed) and the payload the kernel copied. */
  held: { d: Delivered; req: FsRequest } | null;
  /** ent_zero_copy_buf_index: the buffer-table slot where a zero-copied request's pages are. */
  readonly zcIndex: number;
}

/** How the worker runs connections: its client processes, its hold on enable_uring, whether sleeps are interrupted. */
export interface ConnEnv {
  readonly pool: ClientPool;
  readonly lock: ParamLock | null;
  readonly interruptBlocked: boolean;
  /** The worker's mount point, with its read-only tmpfs under every case's FUSE mount. */
  readonly mountPoint: MountPoint;
}

/** Time spent in one phase: total milliseconds over `n` occurrences. */
export interface PhaseTime { ms: number; n: number }

export class KernelError extends Error {}

export class KernelConn {
  readonly rev: Revision;
  private ring = -1;
  private fusefd = -1;
  private dir: string | null = null;
  private connId: number | null = null;
  /** The connection's fusectl files, held from mount to teardown (see fusectlFiles.ts). */
  private ctl: FusectlFiles | null = null;
  private nextUd = 1n;
  /** Per submitted SQE: its step tag, command, queue and the entry it belongs to (REGISTER, COMMIT). */
  private readonly udTag = new Map<bigint, { tag: string; cmd_op: number; qid: number; entry: Entry | null; pool?: { region: Region; fixed: number | null } }>();
  /** Entries by their REGISTER tag (what a mem step names). */
  private readonly registered = new Map<string, Entry>();
  private readonly byCommit = new Map<bigint, Entry>();
  private readonly lastDelivered = new Map<number, bigint>();
  /** Client ops in flight: slot → the step's tag, op and start order. */
  private readonly ops = new Map<number, { tag: string; op: ClientCommand['op']; seq: number }>();
  private opSeq = 0;
  private readonly used = new Set<number>();
  /** Which file each client has open (its pattern seed is the file's inode). */
  private readonly openFile = new Map<number, string>();
  private readonly devPending: { unique: bigint; req: FsRequest; pid: number }[] = [];
  private readonly fenced = new Set<bigint>();
  private readonly memory: Memory;
  private ringExited = false;
  /** Read end of a pipe whose only write end is a file registered in the ring: it hangs up once the ring is freed. */
  private ringGone = -1;
  private capsDropped = false;
  private arena: FixedArena | null = null;
  private readonly pools = new Map<number, { region: Region; fixed: number | null }>();
  private zc: ZeroCopyServer | null = null;
  /** Results of the server's own I/O by user_data, and the events reaped while it waited for them (they join the step's). */
  private readonly ioDone = new Map<bigint, number>();
  private readonly spilled: Event[] = [];
  private unmounted = false;
  /** /dev/fuse answered ENODEV or ECONNABORTED: its connection's input queue is gone, so no wait looks at it. */
  private devGone = false;
  private readonly fs: FsState;
  /** Result of FUSE_DEV_IOC_SYNC_INIT when the case asked for it (-ENOTTY before 6.18). */
  syncInit: number | null = null;
  offer: InitOffer | null = null;
  negotiated = 0n;
  /** Requests the kernel sent on /dev/fuse vs delivered as CQEs: proof of where traffic went. */
  /** Requests seen each way, and the waits for activity (each a ppoll or a nap; npm run bench prints them per case). */
  readonly counts = { devRequests: 0, ringRequests: 0, waits: 0 };
  /** Milliseconds spent per phase of this connection (mount+INIT, REGISTERs, commits, client ops, teardown…), and how often. */
  readonly profile: Record<string, PhaseTime> = {};

  private timed<T>(phase: string, f: () => T): T {
    const t0 = process.hrtime.bigint();
    try { return f(); } finally {
      const p = (this.profile[phase] ??= { ms: 0, n: 0 });
      p.ms += Number(process.hrtime.bigint() - t0) / 1e6; p.n++;
    }
  }

  constructor(private readonly p: NativeProbe, readonly cfg: ConnConfig, private readonly env: ConnEnv, private readonly keepParam = false) {
    this.rev = revision(cfg.revision);
    // Set where watched commands are submitted, so every process that runs a connection samples at the stretched period.
    p.watchPeriod(WATCH_PERIOD_MS);
    this.memory = new Memory(p);
    this.fs = newFs(cfg.open_flags ?? FOPEN.FOPEN_DIRECT_IO);
  }

  /** Mounts, answers INIT as configured and sets up the ring; `onConnection` hears the fusectl id as soon as it exists. */
  open(onConnection: (id: number) => void = () => {}): void {
    if (!this.keepParam) this.timed('enable_uring lock', () => this.env.lock?.acquire(this.cfg.enable_uring ? 'Y' : 'N'));
    this.timed('mount+INIT+ring', () => this.mountAndInit(onConnection));
    // Mounted and initialized with full capabilities; the case's commands run without the ones it lacks.
    const clear = (this.cfg.caps.CAP_SYS_ADMIN ? 0n : 1n << CAP_SYS_ADMIN) | (this.cfg.caps.CAP_IPC_LOCK ? 0n : 1n << CAP_IPC_LOCK);
    if (clear !== 0n) { this.check(this.p.capSetEffective(clear), 'drop capabilities'); this.capsDropped = true; }
  }

  private mountAndInit(onConnection: (id: number) => void): void {
    this.ring = this.check(this.p.ringSetup(64, this.cfg.sqe128 ? IORING_SETUP_SQE128 : 0), 'io_uring_setup');
    this.ringGone = this.ringExitSignal();
    if (this.cfg.buffer_table) this.check(registerSparseTable(this.p, this.ring, this.cfg.buffer_table), `IORING_REGISTER_BUFFERS of ${this.cfg.buffer_table} sparse slots`);
    this.fusefd = this.check(this.p.open('/dev/fuse', O_RDWR), 'open /dev/fuse');
    if (this.cfg.sync_init) {
      // With a mount, mount(2) itself would wait for an INIT reply this single-threaded server cannot send.
      if (this.cfg.mount) throw new KernelError('sync_init with a mount is not driven by this harness: mount(2) would wait for INIT');
      // Before 6.18 the ioctl does not exist (ENOTTY): the device then just stays unbound, which is what the case observes.
      this.syncInit = this.p.ioctl(this.fusefd, FUSE_DEV_IOC.FUSE_DEV_IOC_SYNC_INIT);
    }
    if (!this.cfg.mount) return;
    // The worker's directory, an empty read-only tmpfs under the mount (see MountPoint).
    this.dir = this.env.mountPoint.path();
    this.check(this.p.mount('furc', this.dir, 'fuse', MS_NOSUID | MS_NODEV, `fd=${this.fusefd},rootmode=40000,user_id=0,group_id=0`), `mount fuse on ${this.dir}`);
    this.connId = connectionId(this.dir);
    ensureFusectl(this.p);
    this.ctl = new FusectlFiles(this.connId);
    onConnection(this.connId);
    const init = this.p.read(this.fusefd, this.devReadSize(), scaled(2000));
    if (typeof init === 'number') throw new KernelError(`no FUSE_INIT on /dev/fuse within ${scaled(2000)} ms (${init})`);
    const { h, body } = parseRequest(init);
    if (h.opcode !== FUSE_OPCODE.FUSE_INIT) throw new KernelError(`expected FUSE_INIT, got opcode ${h.opcode}`);
    this.offer = parseInitIn(body);
    if (this.cfg.init) {
      const r = initReply(h.unique, this.offer, this.cfg.init);
      this.negotiated = r.flags;
      this.check(this.p.write(this.fusefd, r.bytes), 'write INIT reply');
    }
  }

  private check(res: number, what: string): number {
    if (res < 0) throw new KernelError(`${what} failed: ${res}`);
    return res;
  }

  run(cmd: Command): Event[] {
    const phase = cmd.kind === 'uring_cmd' ? (cmd.sqe.cmd_op === REGISTER ? 'REGISTER' : cmd.sqe.cmd_op === COMMIT ? 'COMMIT' : 'other uring_cmd') : cmd.kind;
    return this.timed(phase, () => this.dispatchCommand(cmd));
  }

  private dispatchCommand(cmd: Command): Event[] {
    // A ring a ring_exit closed must be freed before anything the kernel could route to it (a client's request, a serve,
    // a teardown step); a later SQE meets the closed fd (-EBADF) and a mem step the server's own memory, so those go on.
    if (cmd.kind !== 'uring_cmd' && cmd.kind !== 'mem' && cmd.kind !== 'ring_exit') this.awaitRingFreed();
    return match(cmd)
      .with({ kind: 'uring_cmd' }, (c) => this.uringCmd(c.tag, c.sqe))
      .with({ kind: 'client' }, (c) => this.client(c))
      .with({ kind: 'serve' }, (c) => this.serve(c.tag))
      .with({ kind: 'mem' }, (c) => {
        // A registered pool's pages are pinned by io_uring: the kernel copies through them whatever the mapping says.
        const pool = c.region === 'pool' ? this.pools.get(c.qid ?? 0) : undefined;
        const region = c.region === 'pool' ? (pool?.fixed === null ? pool.region : undefined) : this.registered.get(c.entry ?? '')?.[c.region];
        // An entry registered without that region (an invalid address) has nothing to change.
        region?.set(c.prot, c.part === 'all' ? 'all' : 'tail');
        return [];
      })
      .with({ kind: 'dev_reply' }, (c) => {
        const r = this.nextDevRequest();
        if (r !== undefined && this.fusefd >= 0) {
          const a = c.error === 0 ? fsAnswer(this.fs, r.req) : { error: c.error, body: new Uint8Array() };
          this.p.write(this.fusefd, reply(r.unique, a.error, a.body));
        }
        return this.settle();
      })
      .with({ kind: 'abort' }, () => { this.abort(); return this.settleUntilIdle(DEADLINE.teardown, 'abort'); })
      .with({ kind: 'umount' }, () => this.umount())
      .with({ kind: 'server_exit' }, () => {
        // No wait for the ring to be freed (an RCU grace period, ~20 ms here): the abort below comes only once its exit
        // work has cancelled every held command, whose references were all that kept /dev/fuse open.
        this.closeRing('never');
        if (this.fusefd >= 0) this.p.close(this.fusefd);
        this.fusefd = -1;
        // The ring goes away in io_uring's exit work; only then is /dev/fuse released and the connection aborted.
        this.waitAborted();
        return this.settleUntilIdle(DEADLINE.exit, 'server exit');
      })
      .with({ kind: 'ring_exit' }, () => {
        // CQEs of the cancel are posted to a ring nobody can read any more: nothing is observable here. Its free (an RCU
        // grace period, ~20 ms here) is waited for by the next step that needs it, or by nobody when the case ends.
        this.closeRing('later');
        return [];
      })
      .exhaustive();
  }

  /**
   * A pipe's write end registered as the ring's only fixed file, ours closed: io_ring_ctx_free() drops the last reference
   * after io_uring's exit work has cancelled every command the ring held, so the read end hanging up says "ring gone".
   */
  private ringExitSignal(): number {
    const fds = this.p.pipe();
    if (typeof fds === 'number') throw new KernelError(`pipe failed: ${fds}`);
    const files = Buffer.alloc(4);
    files.writeInt32LE(fds[1]);
    const r = this.p.ringRegister(this.ring, IORING_REGISTER_FILES, files, 1);
    this.p.close(fds[1]);
    if (r < 0) { this.p.close(fds[0]); throw new KernelError(`IORING_REGISTER_FILES failed: ${r}`); }
    return fds[0];
  }

  /**
   * Closes the ring, whose exit work cancels its commands; 'later' keeps the signal of its free for awaitRingFreed(),
   * 'never' drops it (what follows waits for something the free comes before).
   */
  private closeRing(wait: 'later' | 'never'): void {
    if (this.ringExited) return;
    this.p.ringClose(this.ring);
    this.ringExited = true;
    if (wait === 'never' && this.ringGone >= 0) { this.p.close(this.ringGone); this.ringGone = -1; }
  }

  /**
   * Until the closed ring is freed (its signal pipe hangs up): a request queued before would meet an entry still armed on
   * a dying ring (and end -ECANCELED) or not, as the workqueue's timing has it. Nothing to wait for without a ring_exit.
   */
  private awaitRingFreed(): void {
    if (!this.ringExited || this.ringGone < 0) return;
    const r = this.p.waitAny([this.ringGone], DEADLINE.exit);
    this.p.close(this.ringGone);
    this.ringGone = -1;
    if (r === 0) throw new KernelError(`ring not freed within ${DEADLINE.exit} ms of its close (io_uring exit work still running)`);
  }

  private client(c: ClientCommand): Event[] {
    if (this.unmounted || !this.dir) throw new KernelError('client after umount: the mount is gone');
    const slot = c.client ?? (c.op === 'stat' ? this.env.pool.idle() : 0);
    if (this.env.pool.busy(slot)) return [{ kind: 'client_busy', tag: c.tag }];
    const path = c.file ? `${this.dir}/${c.file}` : this.dir;
    const seed = () => Number(this.fs.files.get(this.openFile.get(slot) ?? '')?.ino ?? 0n);
    const req: ClientRequest = match(c.op)
      .with('stat', () => ({ verb: 'stat' as const, path }))
      .with('open', 'create', (op) => {
        this.openFile.set(slot, c.file ?? '');
        return { verb: 'open' as const, path, flags: O_RDWR | (op === 'create' ? O_CREAT : 0), mode: 0o644 };
      })
      .with('read', 'write', (op) => ({ verb: op, size: c.size ?? 0, offset: c.offset ?? -1, seed: seed() }))
      .with('fsync', 'close', (op) => ({ verb: op }))
      .exhaustive();
    this.env.pool.submit(slot, { ...req, cpu: c.cpu });
    this.ops.set(slot, { tag: c.tag, op: c.op, seq: this.opSeq++ });
    this.used.add(slot);
    return this.settle();
  }

  /** Answers every delivered request the filesystem's way, one COMMIT_AND_FETCH each, until none waits. */
  private serve(tag: string): Event[] {
    const out: Event[] = [];
    for (let n = 1; n <= SERVE_MAX; n++) {
      const e = [...this.registered.values()].filter((x) => x.held).sort((a, b) => a.sqeTag.localeCompare(b.sqeTag))[0];
      if (!e) return out;
      const pool = this.pools.get(e.qid);
      out.push(...this.uringCmd(`${tag}.${n}`, {
        cmd_op: COMMIT, qid: e.qid, commit_id: e.held!.d.commit_id, reply: DEFAULT_REPLY,
        ...(pool?.fixed !== null && pool?.fixed !== undefined ? { fixed: true, buf_index: pool.fixed } : {}),
      }));
    }
    throw new KernelError(`serve: still answering after ${SERVE_MAX} requests`);
  }

  /**
   * The /dev/fuse request a dev_reply answers: the one of the client whose op started first. Clients woken together
   * (a failed REGISTER wakes every blocked one) race to queue there, so arrival order is the scheduler's, not the case's.
   */
  private nextDevRequest(): { unique: bigint; req: FsRequest } | undefined {
    const seqOf = (pid: number) => {
      for (const [slot, op] of this.ops) if (this.env.pool.pid(slot) === pid) return op.seq;
      return Infinity;
    };
    if (this.devPending.length === 0) return undefined;
    let best = 0;
    this.devPending.forEach((r, i) => { if (seqOf(r.pid) < seqOf(this.devPending[best]!.pid)) best = i; });
    return this.devPending.splice(best, 1)[0];
  }

  private commitId(sqe: UringCmdSpec): bigint {
    const c = sqe.commit_id ?? 0n;
    if (typeof c === 'bigint') return c;
    const cur = this.lastDelivered.get(sqe.qid) ?? 0n;
    return c === 'current' ? cur : cur + (1n << 40n);
  }

  private uringCmd(tag: string, sqe: UringCmdSpec): Event[] {
    if (this.ringExited) return [{ kind: 'cqe', tag, res: -ERRNO.EBADF }];
    const iov = (sqe.iov ?? []).map((v, i) => ({ ...this.memory.address(v.addr, v.len, i === 0 ? 'straddle' : 'start'), len: v.len }));
    const iovArray = match(sqe.iov_array ?? 'valid')
      .with('valid', () => this.memory.bytes(iovecArray(iov)))
      .otherwise((a) => this.memory.address(a, 0).addr);
    const commitId = this.commitId(sqe);
    let bufpool = 0n;
    let pool: { region: Region; fixed: number | null } | undefined;
    if (sqe.cmd_op === ADD_BUFPOOL && sqe.bufpool) {
      const fixed = sqe.fixed && sqe.bufpool.addr === 'valid' ? this.fixedRegion(sqe.bufpool.len, sqe.buf_index ?? 0) : null;
      const a = fixed ? { addr: fixed.addr, region: fixed } : this.memory.address(sqe.bufpool.addr, sqe.bufpool.len);
      // The queue's pool is this one only once the kernel says 0 (a refused ADD_BUFPOOL leaves the earlier pool).
      if (a.region) pool = { region: a.region, fixed: sqe.fixed ? sqe.buf_index ?? 0 : null };
      bufpool = a.addr;
    }
    let entry: Entry | null = null;
    if (sqe.cmd_op === REGISTER) {
      entry = { qid: sqe.qid, sqeTag: tag, header: iov[0]?.region ?? null, payload: iov[1]?.region ?? null, held: null, zcIndex: sqe.ent_zero_copy_buf_index ?? 0 };
      this.registered.set(tag, entry);
    }
    if (sqe.cmd_op === COMMIT) entry = this.prepareCommit(sqe, commitId);
    const reapedMeanwhile = this.spilled.splice(0);
    const ud = this.nextUd++;
    this.udTag.set(ud, { tag, cmd_op: sqe.cmd_op, qid: sqe.qid, entry, ...(pool ? { pool } : {}) });
    const bytes = uringCmdSqe(this.rev, this.fusefd, ud, sqe, commitId, { iovArray, bufpool });
    // On a device no mount bound, fuse_get_dev sleeps until this very thread binds it: look for that sleep soon.
    const sub = this.p.ringSubmit(this.ring, bytes, this.env.interruptBlocked && !this.cfg.mount ? UNBOUND_LOOK_MS : this.env.interruptBlocked);
    // The submission slept in FUSE code and the addon's watch interrupted it: its CQE (the wait's error) follows.
    const blocked = this.p.ringSubmitBlocked();
    if (sub < 0) return [{ kind: 'cqe', tag, res: sub }];
    const out: Event[] = blocked === null ? [] : [{ kind: 'blocked', tag, wchan: blocked }];
    out.push(...this.fence());
    // -ERESTARTSYS (-EINTR since 7.3.2's io_fixup_restart_res) comes only from an interrupted sleep. A notification can
    // end it before the watch looks: an earlier ring's exit work queues task work here with TWA_SIGNAL (io_tctx_exit_cb).
    const early = blocked === null && out.some((e) => e.kind === 'cqe' && e.tag === tag && (e.res === -ERRNO.ERESTARTSYS || e.res === -ERRNO.EINTR));
    if (early) out.unshift({ kind: 'blocked', tag });
    // A COMMIT the kernel did not refuse at once now holds its entry (fuse_uring_commit_fetch re-arms it with this SQE).
    if (sqe.cmd_op === COMMIT && entry && !out.some((e) => e.kind === 'cqe' && e.tag === tag && e.res < 0)) entry.sqeTag = tag;
    return [...reapedMeanwhile, ...out, ...this.settle()];
  }

  /**
   * SQEs are issued in order and inline failures complete during submission, so once a NOP submitted
   * after a command completes, the command's immediate result (if any) has been posted: "held" needs no timeout.
   */
  private fence(): Event[] {
    const ud = FENCE | this.nextUd++;
    const nop = Buffer.from(encode(this.rev.lookup('io_uring_sqe$uring_cmd'), { opcode: IORING_OP_NOP, user_data: ud }, this.rev.lookup));
    const out: Event[] = [];
    // A NOP never sleeps in FUSE code: no watch (its timer costs two syscalls per submission).
    if (this.p.ringSubmit(this.ring, nop, false) < 0) throw new KernelError('NOP fence not submitted');
    const deadline = Date.now() + DEADLINE.fence;
    while (!this.fenced.delete(ud)) {
      if (Date.now() > deadline) throw new KernelError(`NOP fence not completed within ${DEADLINE.fence} ms`);
      this.reapRing(out, 5);
    }
    return out;
  }

  /** Writes the server's reply into the entry's header and payload before COMMIT_AND_FETCH; the entry it wrote into. */
  private prepareCommit(sqe: UringCmdSpec, commitId: bigint): Entry | null {
    // The server writes only into the entry holding the request it names, on that entry's queue: any other id is refused
    // before the kernel reads memory, and a reply written there would be another request's header (seed 1000009).
    const ent = this.byCommit.get(commitId) ?? [...this.registered.values()].find((e) => e.qid === sqe.qid);
    if (!ent) return null;
    const held = ent.held && ent.held.d.commit_id === commitId ? ent.held : null;
    if (!held || ent.qid !== sqe.qid) return ent;
    // The server acts on the request only when it answers it with success; an error reply carries no payload.
    const { unique: u, error, payload_sz: payloadSz, body } = serverReply(sqe.reply ?? DEFAULT_REPLY, () => fsAnswer(this.fs, held.req));
    ent.held = null;
    const unique = u === 'match' ? commitId : u === 'zero' ? 0n : commitId + (1n << 30n);
    if (ent.header) writeReply(this.rev, ent.header, { unique, error, payloadSz });
    // A zero-copied READ's answer goes into the client's pages, installed in the entry's slot of the buffer table.
    if (zeroCopied(held.d) && held.d.opcode === FUSE_OPCODE.FUSE_READ) {
      const n = this.zeroCopy().fill(ent.zcIndex, body);
      if (n !== body.length) throw new KernelError(`READ_FIXED of ${body.length} bytes into buffer slot ${ent.zcIndex} returned ${n}`);
      return ent;
    }
    const target = this.payloadRegion(ent, held.d.offset);
    // What payload_sz names past the answer is zeros, so the bytes the kernel copies are known (a READ of an empty file
    // answered with payload_sz 143 returns 143 zeros, seed 13); never past the ring's max payload (a pool's next buffer).
    const padded = paddedReplyLength(body.length, payloadSz, this.cfg.init ? maxPayloadSz(this.cfg.init, this.rev.a) : 0);
    const into = target?.region.writableRange(target.at, target.at + padded) ?? target?.region.writableRange(target.at, target.at + body.length);
    if (into) { into.fill(0); into.set(body); }
    return ent;
  }

  /** Where an entry's payload is: its own iovec at 0, or its pool at ent_in_out.offset (7.3 fuse_uring_select_buffer). */
  private payloadRegion(ent: Entry, offset: number | undefined): { region: Region; at: number } | null {
    const pool = this.pools.get(ent.qid);
    if (!ent.payload && pool) return { region: pool.region, at: offset ?? 0 };
    return ent.payload ? { region: ent.payload, at: 0 } : null;
  }

  /** A pool in the ring's registered arena (see arena.ts); plain memory when the arena cannot hold it. */
  private fixedRegion(len: number, index: number): Region {
    this.arena ??= new FixedArena(this.p, this.ring, this.memory, this.cfg.buffer_table ?? 0);
    // A slot whose zero-copy pages an entry still holds is not the server's to update.
    const held = [...this.registered.values()].some((e) => e.zcIndex === index && e.held !== null && zeroCopied(e.held.d));
    return this.arena.region(len, index, held) ?? this.memory.region(len);
  }

  private abort(): void { this.ctl?.abort(); }

  /**
   * Until fuse_abort_conn() has run: it sets max_background to UINT_MAX (fs/fuse/dev.c), which fusectl shows, or the
   * connection is gone. The release of /dev/fuse that calls it waits for io_uring's exit work, so it comes late.
   */
  private waitAborted(): void {
    if (!this.ctl) return;
    const deadline = Date.now() + DEADLINE.exit;
    while (!this.ctl.aborted()) {
      if (Date.now() > deadline) throw new KernelError(`server exit: connection ${this.connId} not aborted ${DEADLINE.exit} ms after its ring and /dev/fuse were closed`);
      Atomics.wait(NAP, 0, 0, NAP_MS);
    }
  }

  /** umount2(MNT_DETACH) from a client process (the worker's own mount namespace, like every client op). */
  private umount(): Event[] {
    if (!this.dir || this.unmounted) return [];
    this.unmounted = true;
    const slot = this.env.pool.idle();
    this.env.pool.submit(slot, { verb: 'umount', path: this.dir });
    const deadline = new FairDeadline(DEADLINE.teardown);
    const out: Event[] = [];
    for (;;) {
      const done = this.pollClients(out).find((x) => x.slot === slot);
      if (done) { if (done.answer.res < 0) throw new KernelError(`umount2(${this.dir}, MNT_DETACH) failed: ${done.answer.res}`); break; }
      if (deadline.expired([this.env.pool.pid(slot)])) throw new KernelError(`umount2(MNT_DETACH) did not return within ${deadline.describe()}`);
      this.p.waitAny([this.env.pool.fdOf(slot)], 1);
    }
    return [...out, ...this.settle()];
  }

  /**
   * Collects what the step caused until it is over: every client op has answered or sleeps in a FUSE wait, io-wq has
   * nothing in progress, and a further round (whose syscalls run pending task work, which delivers queued requests
   * to the ring) brings nothing new. Decided from the kernel's task states; the deadline only bounds it.
   */
  private settle(deadlineMs: number = DEADLINE.step): Event[] {
    const out: Event[] = [];
    // Clients kept off the CPU by a loaded machine are not stuck: their wait for a CPU does not count (ghosts of 17:17-17:24).
    const deadline = new FairDeadline(deadlineMs);
    let calm = false, naps = 0;
    for (;;) {
      const before = out.length;
      this.reapRing(out, 0);
      this.readDev(out);
      this.pollClients(out);
      // A round that collected events is followed by the next at once: task states are read only in one that did not
      // (31.6 stat and 31.6 wchan reads a fuzz case, 5-6 µs each, before).
      const collected = out.length > before;
      const busy = collected ? [] : [...busyIoWorkers(), ...wakefulClients(this.busyClientPids())];
      const quiet = !collected && busy.length === 0;
      if (DEBUG_SETTLE) process.stderr.write(`settle ${Date.now() % 100000} quiet=${quiet} events=${out.length - before} busy=${busy.join(',')} clients=${this.busyClientPids().map((p) => JSON.stringify(taskState(p))).join(',')}\n`);
      if (quiet && calm) return out;
      calm = quiet;
      if (deadline.expired(this.busyClientPids())) throw new KernelError(`step not settled within ${deadline.describe()}: ${busy.join('; ') || 'events kept arriving'}`);
      // Only a busy task is waited for; a round that merely collected events is followed by the next one at once.
      if (busy.length > 0) this.waitForActivity(true, napAfter(naps++));
    }
  }

  /** Until every client op has answered (teardown wakes them all), then settled; a client still inside fails the step. */
  private settleUntilIdle(deadlineMs: number, after: string): Event[] {
    const out: Event[] = [];
    const deadline = new FairDeadline(deadlineMs);
    let naps = 0;
    while (this.ops.size > 0) {
      this.reapRing(out, 0);
      this.pollClients(out);
      if (this.ops.size === 0) break;
      if (deadline.expired(this.busyClientPids())) throw new KernelError(`${after}: ${wakefulClients(this.busyClientPids()).join('; ') || `client pid ${this.busyClientPids().join(', ')} asleep in FUSE`} still in the kernel ${deadline.describe()} later`);
      // Nothing here reads /dev/fuse, and after an abort it polls ready for good (EPOLLERR): waiting on it would spin.
      this.waitForActivity(false, napAfter(naps++));
    }
    return [...out, ...this.settle()];
  }

  /** Sleeps until the ring, /dev/fuse (`dev`) or a client has something, or `napMs` (a task falling asleep raises no fd). */
  private waitForActivity(dev = true, napMs = NAP_MS): void {
    const withDev = dev && this.cfg.mount && this.fusefd >= 0 && !this.devGone;
    const fds = [...this.env.pool.busyFds(), ...(this.ringExited ? [] : [this.ring]), ...(withDev ? [this.fusefd] : [])];
    this.counts.waits++;
    if (fds.length) this.p.waitAny(fds, napMs); else Atomics.wait(NAP, 0, 0, napMs);
  }

  private busyClientPids(): number[] { return [...this.ops.keys()].map((s) => this.env.pool.pid(s)); }

  private reapRing(out: Event[], waitMs: number): void {
    if (this.ringExited) return;
    const cqes = reapCqes(this.p, this.rev, this.ring, waitMs);
    if (typeof cqes === 'number') return;
    for (const { user_data: ud, res, flags } of cqes) {
      if ((ud & FENCE) !== 0n) { this.fenced.add(ud); continue; }
      if ((ud & SERVER_IO) !== 0n) { this.ioDone.set(ud, res); continue; }
      const t = this.udTag.get(ud);
      if (!t) continue;
      if (t.cmd_op === ADD_BUFPOOL && res === 0 && t.pool) this.pools.set(t.qid, t.pool);
      const ent = t.entry;
      const header = ent?.header?.readable();
      if (res === 0 && (t.cmd_op === REGISTER || t.cmd_op === COMMIT) && ent && header) {
        const req = this.delivered(ent, readHeader(this.rev, header), t.qid);
        const bid = bufferFromCqeFlags(flags);
        out.push(bid === null ? { kind: 'cqe', tag: t.tag, res, req } : { kind: 'cqe', tag: t.tag, res, req, buf_id: bid });
      } else out.push({ kind: 'cqe', tag: t.tag, res });
    }
    // What the server's own I/O reaped while a delivery above waited for it belongs to this step too.
    if (out !== this.spilled) out.push(...this.spilled.splice(0));
  }

  /** Records a request the kernel put in `ent` and says what it found there, payload bytes included. */
  private delivered(ent: Entry, d: Delivered, qid: number): DeliveredReq {
    const at = this.payloadRegion(ent, d.offset);
    let payload: Uint8Array = (at?.region.readableRange(at.at, at.at + d.payload_sz) ?? new Uint8Array()).slice();
    let drainError: number | null = null;
    // A zero-copied WRITE's data is in the client's pages at the entry's slot: the server reads them with WRITE_FIXED.
    if (zeroCopied(d) && d.opcode === FUSE_OPCODE.FUSE_WRITE) {
      const got = this.zeroCopy().drain(ent.zcIndex, d.payload_sz);
      if (typeof got === 'number') { drainError = got; payload = new Uint8Array(); } else payload = got;
    }
    const req: FsRequest = { opcode: d.opcode, nodeid: d.nodeid, opIn: d.opIn, payload };
    ent.held = { d, req };
    this.byCommit.set(d.commit_id, ent);
    this.lastDelivered.set(qid, d.commit_id);
    this.counts.ringRequests++;
    const arg = argOf(req);
    const data = d.opcode !== FUSE_OPCODE.FUSE_WRITE ? undefined : drainError !== null ? `write_fixed ${errnoName(drainError)}` : this.writeData(req);
    const pooled = this.pools.has(qid) && !ent.payload;
    return {
      opcode: d.opcode, unique: d.unique, commit_id: d.commit_id, payload_sz: d.payload_sz, nodeid: d.nodeid,
      ...(arg !== undefined ? { arg } : {}), ...(d.flags !== 0n ? { flags: d.flags } : {}),
      ...(pooled && d.offset !== undefined ? { offset: d.offset } : {}), ...(data ? { data } : {}),
    };
  }

  private zeroCopy(): ZeroCopyServer {
    this.zc ??= new ZeroCopyServer(this.p, this.rev, this.memory, this.cfg.sqe128, (make) => this.serverIo(make));
    return this.zc;
  }

  /** Submits one of the server's own SQEs and reaps until its CQE: what else completes meanwhile joins the step's events. */
  private serverIo(make: (userData: bigint) => Buffer): number {
    const ud = SERVER_IO | this.nextUd++;
    const sub = this.p.ringSubmit(this.ring, make(ud), false);
    if (sub < 0) throw new KernelError(`server I/O not submitted: ${sub}`);
    const deadline = Date.now() + DEADLINE.fence;
    while (!this.ioDone.has(ud)) {
      if (Date.now() > deadline) throw new KernelError(`server I/O not completed within ${DEADLINE.fence} ms`);
      this.reapRing(this.spilled, 5);
    }
    const res = this.ioDone.get(ud)!;
    this.ioDone.delete(ud);
    return res;
  }

  /** Whether a WRITE's payload holds the bytes the client wrote (the file's pattern at that offset). */
  private writeData(req: FsRequest): string {
    const size = Number(req.opIn?.size ?? 0), off = Number(req.opIn?.offset ?? 0);
    const file = this.fs.byIno.get(req.nodeid);
    if (!file) return 'unknown-file';
    if (req.payload.length < size) return `short@${req.payload.length}`;
    const m = firstMismatch(Number(file.ino), off, req.payload.subarray(0, size));
    return m < 0 ? 'ok' : `mismatch@${m}`;
  }

  private devReadSize(): number { return devReadSize(this.cfg.init?.max_write ?? 0); }

  private readDev(out: Event[]): void {
    // An unmounted /dev/fuse fd has no connection to read from (EPERM since 6.18); a closed one nothing at all.
    if (!this.cfg.mount || this.fusefd < 0) return;
    for (;;) {
      const b = this.p.read(this.fusefd, this.devReadSize(), 0);
      if (typeof b === 'number') {
        const gone: number[] = [ERRNO.ETIMEDOUT, ERRNO.ENODEV, ERRNO.ECONNABORTED, ERRNO.ENOTCONN, ERRNO.EINTR];
        if (!gone.includes(-b)) throw new KernelError(`read /dev/fuse failed: ${b}`);
        // A disconnected input queue never reconnects: its poll says ready for good (fuse_dev_poll's EPOLLERR).
        if (b === -ERRNO.ENODEV || b === -ERRNO.ECONNABORTED) this.devGone = true;
        return;
      }
      const { h, body } = parseRequest(b);
      if (UNSOLICITED.includes(h.opcode)) continue;
      this.counts.devRequests++;
      const opInLayout = OP_IN[h.opcode];
      const opInSize = opInLayout ? this.rev.lookup(opInLayout).size : 0;
      const opIn = opInLayout ? decode(this.rev.lookup(opInLayout), body, this.rev.lookup) : null;
      this.devPending.push({ unique: h.unique, req: { opcode: h.opcode, nodeid: h.nodeid, opIn, payload: body.subarray(opInSize) }, pid: h.pid });
      out.push({ kind: 'dev_request', opcode: h.opcode, unique: h.unique });
    }
  }

  /** Answers that arrived: each a client_done event for the op's tag (a read says whether its bytes were the file's). */
  private pollClients(out: Event[]): { slot: number; answer: { res: number } }[] {
    const got = this.env.pool.poll();
    for (const { slot, answer } of got) {
      const op = this.ops.get(slot);
      if (!op) continue;
      this.ops.delete(slot);
      const data = op.op === 'read' && answer.res > 0 ? (answer.mismatch < 0 ? 'ok' : `mismatch@${answer.mismatch}`) : undefined;
      out.push(data ? { kind: 'client_done', tag: op.tag, res: answer.res, data } : { kind: 'client_done', tag: op.tag, res: answer.res });
    }
    return got;
  }

  /** Tears everything down; never leaves a mount, a client's open file or a connection behind. */
  close(): Event[] { return this.timed('teardown', () => this.teardown()); }

  private teardown(): Event[] {
    // Teardown (fusectl, umount) runs with the worker's full capabilities again.
    if (this.capsDropped) { this.p.capSetEffective(0n); this.capsDropped = false; }
    const problems: string[] = [];
    // Abort first, even after a lazy umount: a busy detached mount keeps its connection (and clients) alive.
    let events: Event[] = [];
    if (this.connId !== null) {
      this.abort();
      try { events = this.settleUntilIdle(DEADLINE.teardown, 'teardown abort'); } catch (e) { problems.push((e as Error).message); }
    }
    // A client the abort did not free is killed and replaced, so the next case starts with a clean pool.
    for (const slot of this.ops.keys()) this.env.pool.replace(slot);
    this.ops.clear();
    this.resetClients();
    if (!this.ringExited && this.ring >= 0) this.p.ringClose(this.ring);
    this.ringExited = true;
    this.zc?.close();
    if (this.ringGone >= 0) this.p.close(this.ringGone);
    this.ringGone = -1;
    if (this.fusefd >= 0) this.p.close(this.fusefd);
    this.fusefd = -1;
    // After the abort nothing in FUSE can hold umount2 up, so the worker detaches itself (no client round trip).
    if (this.dir && !this.unmounted) {
      this.unmounted = true;
      const r = this.p.umount2(this.dir, MNT_DETACH);
      if (r < 0) problems.push(`umount2(${this.dir}, MNT_DETACH) failed: ${r}`);
    }
    if (this.dir) this.env.mountPoint.afterCase();
    // Only a connection known gone gives its scratch back: a command still in io-wq would read the next one's bytes.
    let gone = false;
    try { gone = this.waitConnectionGone(); } catch (e) { problems.push((e as Error).message); }
    this.memory.release(gone);
    if (!this.keepParam) this.env.lock?.release();
    if (problems.length) throw new KernelError(problems.join('; '));
    return events;
  }

  /**
   * Clients close whatever this case left open in them (their files pin the superblock, so the connection). Only a
   * client that was sent an open may hold a file: each case starts with none open, so the others need no round trip.
   */
  private resetClients(): void {
    const waiting = new Set([...this.used].filter((slot) => this.openFile.has(slot)));
    for (const slot of waiting) this.env.pool.submit(slot, { verb: 'reset' });
    const deadline = Date.now() + DEADLINE.teardown;
    while (waiting.size > 0) {
      for (const { slot } of this.env.pool.poll()) waiting.delete(slot);
      if (waiting.size === 0) break;
      if (Date.now() > deadline) { for (const s of waiting) this.env.pool.replace(s); break; }
      this.p.waitAny([...waiting].map((s) => this.env.pool.fdOf(s)), 1);
    }
    this.used.clear();
  }

  /**
   * The connection's fusectl directory goes when its last /dev/fuse reference does, which the ring's exit work holds
   * until it has cancelled the held commands. Their completions are task work for this process: left pending, they
   * would end an interruptible sleep of the next case's first submission early (TIF_NOTIFY_SIGNAL). True once it went;
   * false without a connection to watch (no mount).
   */
  private waitConnectionGone(): boolean {
    if (!this.ctl) return false;
    const deadline = Date.now() + DEADLINE.exit;
    try {
      while (!this.ctl.gone()) {
        if (Date.now() > deadline) throw new KernelError(`teardown: fusectl connection ${this.connId} still exists ${DEADLINE.exit} ms after abort, ring exit and umount`);
        Atomics.wait(NAP, 0, 0, NAP_MS);
      }
      return true;
    } finally { this.ctl.close(); this.ctl = null; }
  }
}
