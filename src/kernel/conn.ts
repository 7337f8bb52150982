// One real FUSE connection with its io_uring, driven by the same Commands as the model (runs in the worker).
import { existsSync, rmdirSync, writeFileSync } from 'node:fs';
import { match } from 'ts-pattern';
import type { NativeProbe } from '../../native-probe/index.js';
import { ERRNO } from '../../spec/errno.js';
import type { Command, ConnConfig, Event, IovSpec, UringCmdSpec, Addr } from '../../spec/model/commands.js';
import { revision, type Revision } from '../../spec/revisions.js';
import { FUSE_DEV_IOC, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { IORING_SETUP_SQE128 } from '../../spec/uapi/io_uring.js';
import { bufferFromCqeFlags } from '../../spec/bufindex.js';
import { readParam, writeParam } from './enableUring.js';
import { initReply, parseInitIn, parseRequest, reply, rootAttrOut, type InitOffer } from './fuseMsg.js';
import { uringCmdSqe } from './sqe.js';
import { connectionId, ensureFusectl, sleepingInFuse } from './procfs.js';
import { scaled } from './timeScale.js';
import { newMountDir } from './mountDirs.js';
import { FixedArena } from './arena.js';

const O_RDWR = 2;
/** Capability numbers (linux/capability.h). */
const CAP_IPC_LOCK = 14n, CAP_SYS_ADMIN = 21n;
const MS_NOSUID = 2, MS_NODEV = 4;
const KERNEL_ADDR = 0xffff888000000000n;
/** A 1 ms nap for polling loops that have nothing to block on. */
const NAP = new Int32Array(new SharedArrayBuffer(4));
/** user_data bit of the harness's own NOP fences. */
const FENCE = 1n << 62n;
/** Opcodes the kernel sends on /dev/fuse that no command asked for (forgets, interrupts): consumed silently. */
const UNSOLICITED: readonly number[] = [FUSE_OPCODE.FUSE_FORGET, FUSE_OPCODE.FUSE_INTERRUPT, 42];

/** How long to watch for consequences of a step: errors complete at once, clients take a fork. */
export const SETTLE = {
  uring: scaled(40), async: scaled(12), client: scaled(300), teardown: scaled(150), quiet: scaled(8), exit: scaled(1000),
} as const;

interface EntryBufs { qid: number; header: Uint8Array | null; payload: Uint8Array | null }

export class KernelError extends Error {}

export class KernelConn {
  readonly rev: Revision;
  private ring = -1;
  private fusefd = -1;
  private dir: string | null = null;
  private connId: number | null = null;
  private nextUd = 1n;
  private readonly udTag = new Map<bigint, { tag: string; cmd_op: number; qid: number }>();
  private readonly entries = new Map<string, EntryBufs>();
  private readonly byCommit = new Map<bigint, EntryBufs>();
  private readonly lastDelivered = new Map<number, bigint>();
  private readonly clients = new Map<number, string>();
  private readonly devPending: bigint[] = [];
  private readonly fenced = new Set<bigint>();
  private readonly keep: ArrayBuffer[] = [];
  private ringExited = false;
  private capsDropped = false;
  /** The registered-buffer arena of this ring (fixed pools), and each queue's pool memory by qid. */
  private arena: FixedArena | null = null;
  private readonly pools = new Map<number, Uint8Array>();
  private unmounted = false;
  /** Result of FUSE_DEV_IOC_SYNC_INIT when the case asked for it (-ENOTTY before 6.18). */
  syncInit: number | null = null;
  offer: InitOffer | null = null;
  negotiated = 0n;
  /** Requests the kernel sent on /dev/fuse vs delivered as CQEs: proof of where traffic went. */
  readonly counts = { devRequests: 0, ringRequests: 0 };

  /** interruptBlocked=false: a submission asleep in the kernel is left to the step deadline (TIMEOUT), not interrupted. */
  constructor(private readonly p: NativeProbe, readonly cfg: ConnConfig, private readonly keepParam = false, private readonly interruptBlocked = true) {
    this.rev = revision(cfg.revision);
  }

  /** Mounts, answers INIT as configured and sets up the ring; `onConnection` hears the fusectl id as soon as it exists. */
  open(onConnection: (id: number) => void = () => {}): void {
    this.mountAndInit(onConnection);
    // Mounted and initialized with full capabilities; the case's commands run without the ones it lacks.
    const clear = (this.cfg.caps.CAP_SYS_ADMIN ? 0n : 1n << CAP_SYS_ADMIN) | (this.cfg.caps.CAP_IPC_LOCK ? 0n : 1n << CAP_IPC_LOCK);
    if (clear !== 0n) { this.check(this.p.capSetEffective(clear), 'drop capabilities'); this.capsDropped = true; }
  }

  private mountAndInit(onConnection: (id: number) => void): void {
    const want = this.cfg.enable_uring ? 'Y' : 'N';
    const param = readParam();
    if (!this.keepParam && param !== null && param !== want) writeParam(want);
    this.ring = this.check(this.p.ringSetup(64, this.cfg.sqe128 ? IORING_SETUP_SQE128 : 0), 'io_uring_setup');
    this.fusefd = this.check(this.p.open('/dev/fuse', O_RDWR), 'open /dev/fuse');
    if (this.cfg.sync_init) {
      // With a mount, mount(2) itself would wait for an INIT reply this single-threaded server cannot send.
      if (this.cfg.mount) throw new KernelError('sync_init with a mount is not driven by this harness: mount(2) would wait for INIT');
      // Before 6.18 the ioctl does not exist (ENOTTY): the device then just stays unbound, which is what the case observes.
      this.syncInit = this.p.ioctl(this.fusefd, FUSE_DEV_IOC.FUSE_DEV_IOC_SYNC_INIT);
    }
    if (!this.cfg.mount) return;
    this.dir = newMountDir();
    this.check(this.p.mount('furc', this.dir, 'fuse', MS_NOSUID | MS_NODEV, `fd=${this.fusefd},rootmode=40000,user_id=0,group_id=0`), `mount fuse on ${this.dir}`);
    this.connId = connectionId(this.dir);
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
    return match(cmd)
      .with({ kind: 'uring_cmd' }, (c) => this.uringCmd(c.tag, c.sqe))
      .with({ kind: 'client' }, (c) => {
        if (this.unmounted || !this.dir) throw new KernelError('client after umount: the mount is gone');
        const pid = this.p.clientSpawn(({ stat: 0, read: 1, write: 2 } as const)[c.op], this.dir, c.cpu, c.size ?? 4096);
        this.clients.set(this.check(pid, 'fork client'), c.tag);
        return this.settleClients();
      })
      .with({ kind: 'dev_reply' }, (c) => {
        const u = this.devPending.shift();
        if (u !== undefined && this.fusefd >= 0) this.p.write(this.fusefd, c.error === 0 ? reply(u, 0, rootAttrOut()) : reply(u, c.error));
        return this.settleClients();
      })
      .with({ kind: 'abort' }, () => { this.abort(); return this.settleUntilClientsGone(SETTLE.teardown); })
      .with({ kind: 'umount' }, () => this.umount())
      .with({ kind: 'server_exit' }, () => {
        if (!this.ringExited) this.p.ringClose(this.ring);
        this.ringExited = true;
        if (this.fusefd >= 0) this.p.close(this.fusefd);
        this.fusefd = -1;
        // The ring goes away in io_uring's exit work; only then is /dev/fuse released and the connection aborted.
        return this.settleUntilClientsGone(SETTLE.exit);
      })
      .with({ kind: 'ring_exit' }, () => {
        // CQEs of the cancel are posted to a ring nobody can read any more: nothing is observable here.
        if (!this.ringExited) this.p.ringClose(this.ring);
        this.ringExited = true;
        return [];
      })
      .exhaustive();
  }

  private region(spec: IovSpec | { addr: Addr; len: number }): { addr: bigint; view: Uint8Array | null } {
    return match(spec.addr)
      .with('valid', () => {
        const ab = this.p.alloc(Math.max(spec.len, 1));
        if (typeof ab === 'number') throw new KernelError(`mmap of ${spec.len} bytes failed: ${ab}`);
        this.keep.push(ab);
        return { addr: this.p.addressOf(ab), view: new Uint8Array(ab) };
      })
      .with('null', () => ({ addr: 0n, view: null }))
      .with('unmapped', () => ({ addr: BigInt(this.p.unmappedAddress()), view: null }))
      .with('kernel', () => ({ addr: KERNEL_ADDR, view: null }))
      .exhaustive();
  }

  private commitId(sqe: UringCmdSpec): bigint {
    const c = sqe.commit_id ?? 0n;
    if (typeof c === 'bigint') return c;
    const cur = this.lastDelivered.get(sqe.qid) ?? 0n;
    return c === 'current' ? cur : cur + (1n << 40n);
  }

  private uringCmd(tag: string, sqe: UringCmdSpec): Event[] {
    if (this.ringExited) return [{ kind: 'cqe', tag, res: -ERRNO.EBADF }];
    const regions = (sqe.iov ?? []).map((v) => this.region(v));
    let iovArray = 0n;
    if ((sqe.iov_array ?? 'valid') === 'valid') {
      const arr = this.p.alloc(16 * Math.max(1, regions.length)) as ArrayBuffer;
      this.keep.push(arr);
      const dv = new DataView(arr);
      regions.forEach((r, i) => { dv.setBigUint64(16 * i, r.addr, true); dv.setBigUint64(16 * i + 8, BigInt(sqe.iov![i]!.len), true); });
      iovArray = this.p.addressOf(arr);
    } else iovArray = sqe.iov_array === 'null' ? 0n : sqe.iov_array === 'kernel' ? KERNEL_ADDR : BigInt(this.p.unmappedAddress());
    const commitId = this.commitId(sqe);
    const pool = !sqe.bufpool ? null
      : sqe.cmd_op === 4 && sqe.fixed && sqe.bufpool.addr === 'valid' ? this.fixedRegion(sqe.bufpool.len, sqe.buf_index ?? 0)
      : this.region(sqe.bufpool);
    if (sqe.cmd_op === 4 && pool?.view) this.pools.set(sqe.qid, pool.view);
    const bufpool = pool?.addr ?? 0n;
    if (sqe.cmd_op === 1) this.entries.set(tag, { qid: sqe.qid, header: regions[0]?.view ?? null, payload: regions[1]?.view ?? null });
    if (sqe.cmd_op === 2) this.prepareCommit(tag, sqe, commitId);
    const ud = this.nextUd++;
    this.udTag.set(ud, { tag, cmd_op: sqe.cmd_op, qid: sqe.qid });
    const bytes = uringCmdSqe(this.rev, this.fusefd, ud, sqe, commitId, { iovArray, bufpool });
    const sub = this.p.ringSubmit(this.ring, bytes, this.interruptBlocked);
    // The submission slept in FUSE code and the addon's watch interrupted it: its CQE (the wait's error) follows.
    const blocked = this.p.ringSubmitBlocked();
    if (sub < 0) return [{ kind: 'cqe', tag, res: sub }];
    const out: Event[] = blocked === null ? [] : [{ kind: 'blocked', tag, wchan: blocked }];
    out.push(...this.fence());
    // -ERESTARTSYS comes only from an interrupted sleep. A notification can end it before the watch looks: the exit
    // work of an earlier ring queues task work on this task with TWA_SIGNAL (io_ring_exit_work → io_tctx_exit_cb).
    const early = blocked === null && out.some((e) => e.kind === 'cqe' && e.tag === tag && e.res === -ERRNO.ERESTARTSYS);
    if (early) out.unshift({ kind: 'blocked', tag });
    // With a client alive, woken clients need time to act: wait until each sleeps in FUSE again or exits.
    if (this.clients.size > 0) return [...out, ...this.settleClients()];
    // -EAGAIN is punted to io-wq and reissued there, so it lands after the fence: give it a moment.
    if (!out.some((e) => e.kind === 'cqe' && e.tag === tag)) out.push(...this.settle(SETTLE.async, true));
    return out;
  }

  /**
   * SQEs are issued in order and inline failures complete during submission, so once a NOP submitted
   * after a command completes, the command's immediate result (if any) has been posted: "held" needs no timeout.
   */
  private fence(): Event[] {
    const nop = Buffer.alloc(128);
    const ud = FENCE | this.nextUd++;
    nop.writeBigUInt64LE(ud, 32);
    const out: Event[] = [];
    if (this.p.ringSubmit(this.ring, nop) < 0) return this.settle(SETTLE.uring, true);
    const deadline = Date.now() + 1000;
    while (!this.fenced.delete(ud) && Date.now() < deadline) this.reapRing(out, 5);
    return out;
  }

  /** Writes the server's reply into the entry's header and payload before COMMIT_AND_FETCH. */
  private prepareCommit(tag: string, sqe: UringCmdSpec, commitId: bigint): void {
    const ent = this.byCommit.get(commitId) ?? [...this.entries.values()].find((e) => e.qid === sqe.qid);
    if (!ent) return;
    this.entries.set(tag, ent);
    const r = sqe.reply ?? { unique: 'match', error: 0, payload_sz: 'exact' };
    const body = rootAttrOut();
    const payloadSz = r.payload_sz === 'exact' ? body.length : r.payload_sz;
    if (ent.header && ent.header.length >= 288) {
      const dv = new DataView(ent.header.buffer, ent.header.byteOffset, ent.header.byteLength);
      const unique = r.unique === 'match' ? commitId : r.unique === 'zero' ? 0n : commitId + (1n << 30n);
      dv.setUint32(0, 16 + payloadSz, true);
      dv.setInt32(4, r.error, true);
      dv.setBigUint64(8, unique, true);
      dv.setUint32(256 + 16, payloadSz, true);
    }
    if (ent.payload) ent.payload.set(body.subarray(0, Math.min(body.length, ent.payload.length)));
    // A pool entry's payload is the pool buffer at ent_in_out.offset (7.3 fuse_uring_select_buffer).
    const poolView = this.pools.get(ent.qid);
    if (!ent.payload && poolView && ent.header && ent.header.length >= 288) {
      const off = new DataView(ent.header.buffer, ent.header.byteOffset).getUint32(256 + 20, true);
      if (off + body.length <= poolView.length) poolView.set(body, off);
    }
  }

  /** A pool in the ring's registered arena (see arena.ts); plain memory when the arena cannot hold it. */
  private fixedRegion(len: number, index: number): { addr: bigint; view: Uint8Array | null } {
    this.arena ??= new FixedArena(this.p, this.ring, this.keep);
    return this.arena.region(len, index) ?? this.region({ addr: 'valid', len });
  }

  private abort(): void {
    if (this.connId === null) return;
    ensureFusectl(this.p);
    try { writeFileSync(`/sys/fs/fuse/connections/${this.connId}/abort`, '1'); } catch { /* already gone */ }
  }

  private umount(): Event[] {
    if (!this.dir || this.unmounted) return [];
    this.unmounted = true;
    const pid = this.p.clientSpawn(3, this.dir, -1, 0);
    const events = this.settleUntilClientsGone(SETTLE.teardown);
    if (this.p.clientReap(pid, scaled(2000)) === -1) {
      // A stuck umount: abort the connection so it can finish, then kill it.
      this.abort();
      if (this.p.clientReap(pid, scaled(2000)) === -1) { this.p.kill(pid, 9); this.p.clientReap(pid, 1000); }
    }
    return [...events, ...this.settle(SETTLE.quiet, false)];
  }

  /**
   * Until every live client is asleep in a FUSE wait (fuse_get_req, request_wait_answer…) or gone, and nothing
   * new happened for SETTLE.quiet ms; bounded by SETTLE.client. A woken client is runnable, so it is not settled.
   */
  private settleClients(): Event[] {
    const out: Event[] = [];
    const deadline = Date.now() + SETTLE.client;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      const before = out.length;
      this.reapRing(out, 1);
      this.readDev(out);
      this.reapClients(out);
      if (out.length > before) quietSince = Date.now();
      const settled = [...this.clients.keys()].every(sleepingInFuse);
      if (settled && Date.now() - quietSince >= SETTLE.quiet) return out;
    }
    return out;
  }

  /** Until every live client has exited, bounded by `ms`; then the usual quiet period. */
  private settleUntilClientsGone(ms: number): Event[] {
    const out: Event[] = [];
    const deadline = Date.now() + ms;
    while (this.clients.size > 0 && Date.now() < deadline) {
      this.reapRing(out, 1);
      this.reapClients(out);
      Atomics.wait(NAP, 0, 0, 1);
    }
    return [...out, ...this.settle(SETTLE.quiet, false)];
  }

  /** Collects CQEs, /dev/fuse requests and client exits for up to `ms`; returns early once quiet after one. */
  settle(ms: number, untilEvent: boolean): Event[] {
    const out: Event[] = [];
    const deadline = Date.now() + ms;
    let quietUntil = Infinity;
    while (Date.now() < Math.min(deadline, quietUntil)) {
      const before = out.length;
      this.reapRing(out, 2);
      this.readDev(out);
      this.reapClients(out);
      if (untilEvent && out.length > before) quietUntil = Date.now() + SETTLE.quiet;
    }
    return out;
  }

  private reapRing(out: Event[], waitMs: number): void {
    if (this.ringExited) return;
    const rows = this.p.ringReap(this.ring, waitMs, 64);
    if (typeof rows === 'number') return;
    for (const [ud, res, flags] of rows) {
      if ((ud & FENCE) !== 0n) { this.fenced.add(ud); continue; }
      const t = this.udTag.get(ud);
      if (!t) continue;
      const ent = this.entries.get(t.tag);
      if (res === 0 && (t.cmd_op === 1 || t.cmd_op === 2) && ent?.header && ent.header.length >= 288) {
        const dv = new DataView(ent.header.buffer, ent.header.byteOffset, ent.header.byteLength);
        const req = { opcode: dv.getUint32(4, true), unique: dv.getBigUint64(8, true), commit_id: dv.getBigUint64(264, true), payload_sz: dv.getUint32(272, true) };
        this.byCommit.set(req.commit_id, ent);
        this.lastDelivered.set(t.qid, req.commit_id);
        this.counts.ringRequests++;
        const bid = bufferFromCqeFlags(flags);
        out.push(bid === null ? { kind: 'cqe', tag: t.tag, res, req } : { kind: 'cqe', tag: t.tag, res, req, buf_id: bid });
      } else out.push({ kind: 'cqe', tag: t.tag, res });
    }
  }

  /** fuse_dev_do_read() wants at least max(FUSE_MIN_READ_BUFFER, in_header + write_in + max_write). */
  private devReadSize(): number {
    return Math.max(1 << 17, 80 + (this.cfg.init?.max_write ?? 0)) + 4096;
  }

  private readDev(out: Event[]): void {
    // An unmounted /dev/fuse fd has no connection to read from (EPERM since 6.18); a closed one nothing at all.
    if (!this.cfg.mount || this.fusefd < 0) return;
    for (;;) {
      const b = this.p.read(this.fusefd, this.devReadSize(), 0);
      if (typeof b === 'number') {
        // ETIMEDOUT: nothing pending; EINTR: try later; ENODEV/ECONNABORTED/ENOTCONN: gone. Anything else is a harness bug.
        if (b !== -110 && b !== -19 && b !== -103 && b !== -107 && b !== -4) throw new KernelError(`read /dev/fuse failed: ${b}`);
        return;
      }
      const { h } = parseRequest(b);
      if (UNSOLICITED.includes(h.opcode)) continue;
      this.counts.devRequests++;
      this.devPending.push(h.unique);
      out.push({ kind: 'dev_request', opcode: h.opcode, unique: h.unique });
    }
  }

  private reapClients(out: Event[]): void {
    for (const [pid, tag] of this.clients) {
      const r = this.p.clientReap(pid, 0);
      if (r === -1) continue;
      this.clients.delete(pid);
      out.push({ kind: 'client_done', tag, res: r === -2 ? -ERRNO.EINTR : r === 0 ? 0 : -r });
    }
  }

  /** Tears everything down; never leaves a mount, a client or a connection behind. */
  close(): Event[] {
    // Teardown (fusectl, umount) runs with the worker's full capabilities again.
    if (this.capsDropped) { this.p.capSetEffective(0n); this.capsDropped = false; }
    // Abort first, even after a lazy umount: a busy detached mount keeps its connection (and clients) alive.
    const events = this.connId !== null ? (this.abort(), this.settleUntilClientsGone(SETTLE.teardown)) : [];
    for (const pid of this.clients.keys()) { this.p.kill(pid, 9); this.p.clientReap(pid, 1000); }
    this.clients.clear();
    if (!this.ringExited && this.ring >= 0) this.p.ringClose(this.ring);
    this.ringExited = true;
    if (this.fusefd >= 0) this.p.close(this.fusefd);
    this.fusefd = -1;
    if (this.dir && !this.unmounted) this.umount();
    if (this.dir) try { rmdirSync(this.dir); } catch { /* busy until the detach completes */ }
    this.waitConnectionGone();
    return events;
  }

  /**
   * The connection's fusectl directory goes when its last /dev/fuse reference does, which the ring's exit work holds
   * until it has cancelled the held commands. Their completions are task work for this process: left pending, they
   * would end an interruptible sleep of the next case's first submission early (TIF_NOTIFY_SIGNAL).
   */
  private waitConnectionGone(): void {
    if (this.connId === null) return;
    ensureFusectl(this.p);
    const dir = `/sys/fs/fuse/connections/${this.connId}`;
    const deadline = Date.now() + SETTLE.exit;
    while (existsSync(dir)) {
      if (Date.now() > deadline) throw new KernelError(`teardown: fusectl connection ${this.connId} still exists ${SETTLE.exit} ms after abort, ring exit and umount`);
      Atomics.wait(NAP, 0, 0, 1);
    }
  }
}
