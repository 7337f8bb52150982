// What each client op makes the kernel send, one request at a time: the VFS and fs/fuse/file.c as the model sees them.
// Each op is a generator: it yields a request, is resumed with the reply the client got, and returns the op's result.
import type { Record as Rec } from '../codec/codec.js';
import { negErrno } from '../errno.js';
import { ROOT_INO, type FsState } from '../fs/fs.js';
import { firstMismatch, patternBytes } from '../fs/pattern.js';
import { FOPEN, FUSE_OPCODE } from '../uapi/fuse_kernel.js';
import type { ClientCommand } from '../conn/commands.js';

/** A request as a client op issues it; the connection gives it a unique and routes it. */
export interface ReqSpec {
  readonly opcode: number;
  readonly nodeid: bigint;
  /** in_args[0] as the fs answers it (size, offset, flags…). */
  readonly opIn: Rec | null;
  /** The in_args after the first, concatenated: what the kernel copies to the payload (payload_sz). */
  readonly payload: Uint8Array;
  /** Bytes of out args the kernel expects; argvar: a shorter reply is allowed (READ). */
  readonly reply_size: number;
  readonly reply_argvar: boolean;
  /** args->force: sent without waiting for INIT or a ready ring (fuse_simple_request skips fuse_get_req). */
  readonly force: boolean;
  /** Sent with fuse_simple_background: no task waits for it (RELEASE). */
  readonly background: boolean;
  /** args->zero_copy: a READ/WRITE of a file opened FOPEN_IO_URING_ZERO_COPY (7.3 fuse_read_args_fill, fuse_write_args_fill). */
  readonly zero_copy?: boolean;
}

/** What the client's task got back for one request: the error, or 0 and the reply's payload. */
export interface ReqResult { readonly error: number; readonly body: Uint8Array }

/**
 * A sleeping lock a client op takes: the root directory's ('dir': without FUSE_PARALLEL_DIROPS fuse_lock_inode()
 * serialises LOOKUPs, and an O_CREAT open holds the directory's i_rwsem through its LOOKUP and CREATE; seen on
 * 6.18.44: a second client's open waits in fuse_lock_inode until the first LOOKUP is answered), or a file's i_rwsem
 * ('inode N': a direct write holds it through its WRITEs, fuse_dio_lock() exclusive without
 * FOPEN_PARALLEL_DIRECT_WRITES; fsync holds it through FSYNC). 'lookup' is d_alloc_parallel()'s in-lookup dentry
 * ('lookup NAME'): the first open of an uncached name owns it until its LOOKUP is answered ('lookup_done'); another
 * open of that name sleeps in d_wait_lookup() and is resumed with WAITED, all of them at once, to walk again.
 */
export type DirLock = { readonly lock: 'acquire' | 'release' | 'lookup' | 'lookup_done' | 'shared' | 'exclusive' | 'unlock_rw'; readonly key: string };
/** The root directory's i_rwsem: an O_CREAT open holds it exclusive through LOOKUP and CREATE, a lookup_slow() shared. */
const RWSEM = 'i_rwsem dir';
export type Yielded = ReqSpec | DirLock;
export type OpResult = { readonly res: number; readonly data?: string };
export type ClientOpGen = Generator<Yielded, OpResult, ReqResult>;
export const isLock = (y: Yielded): y is DirLock => 'lock' in y;
const ACQUIRE: DirLock = { lock: 'acquire', key: 'dir' }, RELEASE: DirLock = { lock: 'release', key: 'dir' };
const inodeLock = (lock: DirLock['lock'], ino: bigint): DirLock => ({ lock, key: `inode ${ino}` });
export const NONE_RESULT: ReqResult = { error: 0, body: new Uint8Array() };
/** What a 'lookup' resumes with when the client slept on another's in-lookup dentry instead of owning it. */
export const WAITED: ReqResult = { error: 0, body: new Uint8Array() };
const inLookup = (lock: 'lookup' | 'lookup_done', name: string): DirLock => ({ lock, key: `lookup ${name}` });

/** One client process: its open file (one per client) and file position. */
export interface ClientFile { readonly name: string; readonly ino: bigint; readonly fh: bigint; pos: number }

/** What the ops need from the connection: its limits, the dentry cache and the filesystem. */
export interface VfsContext {
  readonly maxWrite: number;
  readonly maxPages: number;
  readonly pageSize: number;
  /** Names with a positive dentry (LOOKUP or CREATE succeeded; entry_valid outlasts a case). */
  readonly dcache: Set<string>;
  /** Names with a hashed negative dentry: a LOOKUP answered ENOENT (fuse_lookup hashes it, already expired). */
  readonly negative: Set<string>;
  /** Names whose negative dentry another open unhashed while a CREATE of it was in flight: the CREATE instantiates a dentry nobody finds. */
  readonly unhashed: Set<string>;
  /** Whether the mount was detached (lazy umount): a path walk that starts now no longer reaches the filesystem. */
  readonly detached: () => boolean;
  readonly fs: FsState;
  /** Queues a background request (RELEASE) from the client's context: it needs no answer to go on. */
  background: (r: ReqSpec) => void;
}

const O = FUSE_OPCODE;
const none = new Uint8Array();
const cstr = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const u64 = (n: bigint | number) => BigInt(n);
const req = (opcode: number, nodeid: bigint, opIn: Rec | null, reply: number, extra: Partial<ReqSpec> = {}): ReqSpec =>
  ({ opcode, nodeid, opIn, payload: none, reply_size: reply, reply_argvar: false, force: false, background: false, ...extra });

const O_RDWR = 2, O_CREAT = 0o100, O_LARGEFILE = 0o100000;
/** fuse_file_flush/release send lock_owner of the closing files struct: not modelled, so not compared. */
const OWNER = 0n;

/** close(2): FLUSH (force, waited for), then RELEASE queued in the background before close returns (__fput). */
function* closeFile(ctx: VfsContext, f: ClientFile): Generator<Yielded, number, ReqResult> {
  // fuse_flush() sends FLUSH without the inode lock: seen on 6.18.44 with another client's WRITE holding it (ghost10 de6a4a865226).
  const r = yield req(O.FUSE_FLUSH, f.ino, { fh: f.fh, unused: 0, lock_owner: OWNER }, 0, { force: true });
  ctx.background(req(O.FUSE_RELEASE, f.ino, { fh: f.fh, flags: O_RDWR | O_LARGEFILE, release_flags: 0, lock_owner: 0n }, 0, { force: true, background: true }));
  return r.error;
}

/**
 * open(2) of `name` in the root, O_RDWR (| O_CREAT): an uncached name is looked up first (fuse_atomic_open → fuse_lookup,
 * seen on 6.18.44); a positive entry is OPENed, a missing one CREATEd when asked to, else -ENOENT.
 */
function* openFile(ctx: VfsContext, name: string, create: boolean): Generator<Yielded, ClientFile | number, ReqResult> {
  // After a lazy umount the walk lands in what the mount covered: an empty read-only tmpfs the harness mounts there.
  if (ctx.detached()) return negErrno(create ? 'EROFS' : 'ENOENT');
  // lookup_fast() first, O_CREAT too (6.12 "fs: try an opportunistic lookup for O_CREAT opens too"): a cached positive
  // name opens without the directory's lock. A negative dentry never revalidates (fuse_dentry_revalidate: "always do a
  // fresh lookup"): it is unhashed (d_invalidate) before the lookup under the lock.
  // Without O_CREAT, lookup_slow() holds the directory shared and d_alloc_parallel() makes the name in-lookup before
  // fuse_lookup() takes fuse_lock_inode(): an open of the same name sleeps on that dentry, not on the lock, and walks
  // again once it is answered (seen on 6.18.44: the second open of "big" sends OPEN at once, finding 81192686a863).
  // The directory's i_rwsem is not fuse_lock_inode()'s mutex: shared holders (opens without O_CREAT) go on together, and
  // one whose name is cached by then needs no LOOKUP (seen on 6.18.44, finding 3e7d08b97ced).
  if (ctx.negative.delete(name)) ctx.unhashed.add(name);
  const rw = !ctx.dcache.has(name);
  if (rw) yield { lock: create ? 'exclusive' : 'shared', key: RWSEM };
  let owns = false;
  for (;;) {
    if (ctx.negative.delete(name)) ctx.unhashed.add(name);
    if (create || ctx.dcache.has(name)) break;
    if ((yield inLookup('lookup', name)) !== WAITED) { owns = true; break; }
  }
  function* unlock(): Generator<Yielded, void, ReqResult> {
    if (owns) yield inLookup('lookup_done', name);
    if (rw) yield { lock: 'unlock_rw', key: RWSEM };
  }
  if (!ctx.dcache.has(name)) {
    yield ACQUIRE;
    const r = yield req(O.FUSE_LOOKUP, ROOT_INO, null, 128, { payload: cstr(name) });
    yield RELEASE;
    if (r.error === 0) ctx.dcache.add(name);
    else {
      if (r.error === negErrno('ENOENT')) { ctx.negative.add(name); ctx.unhashed.delete(name); }
      if (!(r.error === negErrno('ENOENT') && create)) { yield* unlock(); return r.error; }
    }
  }
  if (ctx.dcache.has(name)) {
    yield* unlock();
    const ino = ctx.fs.files.get(name)?.ino ?? 0n;
    const r = yield req(O.FUSE_OPEN, ino, { flags: O_RDWR | O_LARGEFILE, open_flags: 0 }, 16);
    return r.error !== 0 ? r.error : { name, ino, fh: ino, pos: 0 };
  }
  const r = yield req(O.FUSE_CREATE, ROOT_INO, { flags: O_RDWR | O_CREAT | O_LARGEFILE, mode: 0o100644, umask: 0, open_flags: 0 }, 144, { payload: cstr(name) });
  yield* unlock();
  if (r.error !== 0) return r.error;
  // fuse_create_open() instantiates the dentry its LOOKUP left negative, unless another open unhashed it meanwhile.
  ctx.negative.delete(name);
  if (!ctx.unhashed.delete(name)) ctx.dcache.add(name);
  const ino = ctx.fs.files.get(name)?.ino ?? 0n;
  return { name, ino, fh: ino, pos: 0 };
}

/**
 * read/write with FOPEN_DIRECT_IO (fs/fuse/file.c:fuse_direct_io): one request at a time of at most max_pages pages of
 * the (page-aligned) user buffer, writes also at most max_write; a short answer ends the op with what was done.
 */
function* directIo(ctx: VfsContext, f: ClientFile, write: boolean, size: number, offset: number | undefined): Generator<Yielded, OpResult, ReqResult> {
  let pos = offset ?? f.pos, done = 0, bad = -1;
  while (done < size) {
    const n = Math.min(size - done, ctx.maxPages * ctx.pageSize, write ? ctx.maxWrite : Infinity);
    const opIn = { fh: f.fh, offset: u64(pos), size: n, read_flags: 0, write_flags: 0, lock_owner: 0n, flags: O_RDWR | O_LARGEFILE };
    const zero_copy = (ctx.fs.openFlags & FOPEN.FOPEN_IO_URING_ZERO_COPY) !== 0;
    const r = yield write
      ? req(O.FUSE_WRITE, f.ino, opIn, 8, { payload: patternBytes(Number(f.ino), pos, n), zero_copy })
      : req(O.FUSE_READ, f.ino, opIn, n, { reply_argvar: true, zero_copy });
    if (r.error !== 0) { if (done === 0) return { res: r.error }; break; }
    const got = write ? Buffer.from(r.body).readUInt32LE(0) : r.body.length;
    // What the client checks: the first byte read that is not the file's (the server's zeros past a short answer).
    const m = write || bad >= 0 ? -1 : firstMismatch(Number(f.ino), pos, r.body);
    if (m >= 0) bad = done + m;
    done += got; pos += got;
    if (got !== n) break;
  }
  if (offset === undefined) f.pos = pos;
  return write || done === 0 ? { res: done } : { res: done, data: bad < 0 ? 'ok' : `mismatch@${bad}` };
}

/** The generator of one client op, given the client's open file (and a way to change it). */
export function clientOp(ctx: VfsContext, c: ClientCommand, file: { get: () => ClientFile | null; set: (f: ClientFile | null) => void }): ClientOpGen {
  return (function* (): ClientOpGen {
    const f = file.get();
    switch (c.op) {
      case 'stat': {
        const r = yield req(O.FUSE_GETATTR, ROOT_INO, { getattr_flags: 0, fh: 0n }, 104);
        return { res: r.error };
      }
      case 'open': case 'create': {
        // The client's previous file is closed first (clientPool.cc: one file per client).
        if (f) { file.set(null); yield* closeFile(ctx, f); }
        const o = yield* openFile(ctx, c.file ?? '', c.op === 'create');
        if (typeof o === 'number') return { res: o };
        file.set(o);
        return { res: 0 };
      }
      case 'read': case 'write':
        if (!f) return { res: negErrno('EBADF') };
        if (c.op === 'read') return yield* directIo(ctx, f, false, c.size ?? 0, c.offset);
        {
          // fuse_direct_write_iter(): the lock first, even for 0 bytes (generic_write_checks comes after it).
          yield inodeLock('acquire', f.ino);
          const w = yield* directIo(ctx, f, true, c.size ?? 0, c.offset);
          yield inodeLock('release', f.ino);
          return w;
        }
      case 'fsync': {
        if (!f) return { res: negErrno('EBADF') };
        yield inodeLock('acquire', f.ino);
        const r = yield req(O.FUSE_FSYNC, f.ino, { fh: f.fh, fsync_flags: 0 }, 0);
        yield inodeLock('release', f.ino);
        return { res: r.error };
      }
      case 'close': {
        if (!f) return { res: negErrno('EBADF') };
        file.set(null);
        return { res: yield* closeFile(ctx, f) };
      }
    }
  })();
}
