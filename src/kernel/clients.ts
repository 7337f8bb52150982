// The worker's pre-started client processes: one op each at a time, answered over a socket (clientProto.h).
import type { NativeProbe } from '../../native-probe/index.js';
import { ERRNO } from '../../spec/errno.js';
import { readProc } from './procfs.js';

export type ClientVerb = 'stat' | 'open' | 'read' | 'write' | 'fsync' | 'close' | 'umount' | 'statloop' | 'reset' | 'readloop';
const VERB: Readonly<Record<ClientVerb, number>> = { stat: 1, open: 2, read: 3, write: 4, fsync: 5, close: 6, umount: 7, statloop: 8, reset: 9, readloop: 10 };

export interface ClientRequest {
  readonly verb: ClientVerb;
  readonly path?: string;
  readonly cpu?: number;
  readonly handle?: number;
  readonly flags?: number;
  readonly mode?: number;
  readonly seed?: number;
  readonly size?: number;
  /** -1: at the file position. */
  readonly offset?: number;
}

/** res: the syscall's result, or -errno; mismatch: first byte a READ got that is not the pattern's, or -1. */
export interface ClientAnswer { readonly res: number; readonly mismatch: number }

export const OP_SIZE = 512, RESULT_SIZE = 24, PATH_AT = 40, PATH_MAX = 472;

export class ClientError extends Error {}

/** The 512-byte ClientOp of a request (clientProto.h); a race program writes it to a client socket itself. */
export function encode(r: ClientRequest): Buffer {
  const b = Buffer.alloc(OP_SIZE);
  b.writeUInt32LE(VERB[r.verb], 0);
  b.writeInt32LE(r.cpu ?? -1, 4);
  b.writeInt32LE(r.handle ?? 0, 8);
  b.writeUInt32LE(r.flags ?? 0, 12);
  b.writeUInt32LE(r.mode ?? 0, 16);
  b.writeUInt32LE(r.seed ?? 0, 20);
  b.writeBigUInt64LE(BigInt(r.size ?? 0), 24);
  b.writeBigInt64LE(BigInt(r.offset ?? -1), 32);
  const path = Buffer.from(r.path ?? '');
  if (path.length >= PATH_MAX) throw new ClientError(`client path of ${path.length} bytes does not fit in ${PATH_MAX}`);
  path.copy(b, PATH_AT);
  return b;
}

/** A 24-byte ClientResult. */
export function decode(b: Buffer): ClientAnswer {
  const res = Number(b.readBigInt64LE(0));
  return { res: res < 0 ? -b.readInt32LE(8) : res, mismatch: Number(b.readBigInt64LE(16)) };
}

interface Slot { readonly pid: number; readonly fd: number; busy: boolean }

export class ClientPool {
  private readonly slots: Slot[] = [];

  constructor(private readonly p: NativeProbe, initial: number) { this.grow(initial); }

  /** More clients, forked now: the worker's rings and /dev/fuse fds are closed in the child, its shared regions not inherited. */
  private grow(n: number): void {
    const made = this.p.clientPool(n);
    if (typeof made === 'number') throw new ClientError(`fork of ${n} clients failed: ${made}`);
    for (const [pid, fd] of made) this.slots.push({ pid, fd, busy: false });
  }

  get size(): number { return this.slots.length; }
  pid(slot: number): number { return this.slots[slot]!.pid; }
  busy(slot: number): boolean { return this.slots[slot]?.busy ?? false; }

  /** The lowest idle slot, growing the pool when every client is busy. */
  idle(): number {
    const i = this.slots.findIndex((s) => !s.busy);
    if (i >= 0) return i;
    this.grow(Math.max(2, this.slots.length));
    return this.idle();
  }

  submit(slot: number, r: ClientRequest): void {
    while (this.slots.length <= slot) this.grow(1);
    const s = this.slots[slot]!;
    if (s.busy) throw new ClientError(`client ${slot} is still busy with its previous op`);
    const n = this.p.write(s.fd, encode(r));
    if (n !== OP_SIZE) throw new ClientError(`client ${slot} (pid ${s.pid}) did not take its op: ${n}`);
    s.busy = true;
  }

  /** Slot `slot` owes an answer to an op someone else wrote to its socket (a race program's thread). */
  expect(slot: number): void { this.slots[slot]!.busy = true; }

  /** Answers that have arrived, without waiting. */
  poll(): { slot: number; answer: ClientAnswer }[] {
    const out: { slot: number; answer: ClientAnswer }[] = [];
    this.slots.forEach((s, slot) => {
      if (!s.busy) return;
      const b = this.p.read(s.fd, RESULT_SIZE, 0);
      if (typeof b === 'number') {
        if (b === -ERRNO.EINTR || b === -ERRNO.ETIMEDOUT) return; // nothing yet (poll timed out) or interrupted
        throw new ClientError(`client ${slot} (pid ${s.pid}) socket: ${b}`);
      }
      if (b.length === 0) throw new ClientError(`client ${slot} (pid ${s.pid}) died (status ${this.p.childExit(s.pid, false)})`);
      s.busy = false;
      out.push({ slot, answer: decode(b) });
    });
    return out;
  }

  /** The socket a client answers on (to wait for its answer). */
  fdOf(slot: number): number { return this.slots[slot]!.fd; }

  /** Sockets of the clients that owe an answer. */
  busyFds(): number[] { return this.slots.filter((s) => s.busy).map((s) => s.fd); }

  /** Kills every client (a worker shutting down, or a stuck client that only SIGKILL ends). */
  killAll(): void {
    for (const s of this.slots) { this.p.kill(s.pid, 9); this.p.close(s.fd); this.p.childExit(s.pid, true); }
    this.slots.length = 0;
  }

  /** Kills one client stuck past its deadline and starts a fresh one in its place. */
  replace(slot: number): void {
    const s = this.slots[slot]!;
    this.p.kill(s.pid, 9);
    this.p.close(s.fd);
    this.p.childExit(s.pid, true);
    const made = this.p.clientPool(1);
    if (typeof made === 'number') throw new ClientError(`fork of a client failed: ${made}`);
    this.slots[slot] = { pid: made[0]![0], fd: made[0]![1], busy: false };
  }
}

/** What /proc says a task is doing: its state letter and where it sleeps. */
export function taskState(pid: number, tid = pid): { state: string; wchan: string } {
  const stat = readProc(`/proc/${pid}/task/${tid}/stat`);
  const wchan = stat === null ? null : readProc(`/proc/${pid}/task/${tid}/wchan`);
  if (stat === null || wchan === null) return { state: 'X', wchan: '' };
  const at = stat.lastIndexOf(')');
  return { state: stat.slice(at + 2, at + 3), wchan };
}

/**
 * Waits only the server (or another client's FUSE request) can end: a reply (request_wait_answer), INIT or a ready
 * ring (fuse_get_req), a device to bind (fuse_get_dev), the directory a FUSE waiter holds (fuse_lock_inode without
 * PARALLEL_DIROPS; path_openat / rwsem_down_* on its i_rwsem, lookup_open since 7.3 takes it there; d_alloc_parallel), a file's i_rwsem a FUSE waiter holds
 * (a direct write, fsync or flush asleep in inode_lock, whose wchan is the FUSE function), a page-cache folio a background
 * READ is filling (a buffered read asleep in folio_wait_bit_common behind readahead). Teardown waits that end by themselves
 * (synchronize_rcu_expedited on a dying superblock, the ring's async stop work) are not in it: the step waits them out.
 * An unknown wait name makes a step run into its deadline, whose error names it, never a step settled too early.
 */
const SERVER_WAITS = /request_wait_answer|fuse_get_req|fuse_get_dev|fuse_lock_inode|path_openat|lookup_open|rwsem_down|d_alloc_parallel|fuse_wait_on|fuse_file_write_iter|fuse_direct_write_iter|fuse_fsync|fuse_flush|folio_wait_bit/;

export const asleepInFuse = (t: { state: string; wchan: string }): boolean =>
  (t.state === 'S' || t.state === 'D') && SERVER_WAITS.test(t.wchan);
