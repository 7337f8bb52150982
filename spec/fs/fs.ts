// The filesystem the harness's server serves, and its answer to each request: both targets use it, so the model
// predicts what a client reads and the kernel target checks what the ring carried.
import { encode, type Record as Rec } from '../codec/codec.js';
import { negErrno } from '../errno.js';
import { registry } from '../uapi/dsl.js';
import { FUSE_KERNEL_LAYOUTS, FUSE_OPCODE } from '../uapi/fuse_kernel.js';
import { firstMismatch, patternBytes } from './pattern.js';

const lookup = registry(FUSE_KERNEL_LAYOUTS);
const L = lookup;

export const ROOT_INO = 1n;
/** A file's attributes and entries stay valid for the whole case: no revalidating LOOKUP or GETATTR mid-case. */
const VALID_S = 86_400n;

export interface FsFile { readonly name: string; readonly ino: bigint; size: number }

/** Files every case starts with: sizes at the boundaries a read meets (empty, one byte past a page, past 1 MiB). */
export const INITIAL_FILES: readonly Omit<FsFile, 'ino'>[] = [
  { name: 'empty', size: 0 },
  { name: 'small', size: 4097 },
  { name: 'big', size: (1 << 20) + 5 },
];

export interface FsState {
  readonly files: Map<string, FsFile>;
  readonly byIno: Map<bigint, FsFile>;
  nextIno: bigint;
  /** fuse_open_out.open_flags the server answers OPEN and CREATE with (FOPEN_DIRECT_IO by default). */
  openFlags: number;
}

export function newFs(openFlags: number): FsState {
  const fs: FsState = { files: new Map(), byIno: new Map(), nextIno: 2n, openFlags };
  for (const f of INITIAL_FILES) addFile(fs, f.name, f.size);
  return fs;
}

function addFile(fs: FsState, name: string, size: number): FsFile {
  const f = { name, ino: fs.nextIno++, size };
  fs.files.set(name, f);
  fs.byIno.set(f.ino, f);
  return f;
}

/** What a delivered request asks, decoded: op_in as its opcode's struct, the payload the kernel copied. */
export interface FsRequest {
  readonly opcode: number;
  readonly nodeid: bigint;
  readonly opIn: Rec | null;
  readonly payload: Uint8Array;
}

/** The server's answer: an error, or the reply's payload bytes; `data` says whether a WRITE carried the pattern. */
export interface FsAnswer { readonly error: number; readonly body: Uint8Array; readonly data?: string }

const attr = (ino: bigint, size: number, dir: boolean): Rec => ({
  ino, size: BigInt(size), blocks: BigInt(Math.ceil(size / 512)), mode: dir ? 0o40755 : 0o100644, nlink: dir ? 2 : 1, uid: 0, gid: 0, blksize: 4096,
});

const entryOut = (f: FsFile): Uint8Array => encode(L('fuse_entry_out'), {
  nodeid: f.ino, generation: 1n, entry_valid: VALID_S, attr_valid: VALID_S, entry_valid_nsec: 0, attr_valid_nsec: 0, attr: attr(f.ino, f.size, false),
}, lookup);

const openOut = (fs: FsState, f: FsFile): Uint8Array => encode(L('fuse_open_out'), { fh: f.ino, open_flags: fs.openFlags, backing_id: 0 }, lookup);

/** fuse_attr_out of the root directory; attr_valid 0, so every stat of the root asks again (GETATTR). */
export const rootAttrOut = (): Uint8Array => encode(L('fuse_attr_out'), { attr_valid: 0n, attr_valid_nsec: 0, attr: attr(ROOT_INO, 0, true) }, lookup);

/** The NUL-terminated name a LOOKUP or CREATE carries in its payload. */
export const nameOf = (payload: Uint8Array): string => Buffer.from(payload).toString('latin1').split('\0')[0]!;

const u = (v: unknown) => Number(v ?? 0);
const none = new Uint8Array();
const err = (e: Parameters<typeof negErrno>[0]): FsAnswer => ({ error: negErrno(e), body: none });

/** Answers one request and applies it to the filesystem (a WRITE grows the file, a CREATE adds one). */
export function answer(fs: FsState, r: FsRequest): FsAnswer {
  const file = fs.byIno.get(r.nodeid);
  const O = FUSE_OPCODE;
  switch (r.opcode) {
    case O.FUSE_LOOKUP: {
      const f = r.nodeid === ROOT_INO ? fs.files.get(nameOf(r.payload)) : undefined;
      return f ? { error: 0, body: entryOut(f) } : err('ENOENT');
    }
    case O.FUSE_GETATTR:
      if (r.nodeid === ROOT_INO) return { error: 0, body: rootAttrOut() };
      return file ? { error: 0, body: encode(L('fuse_attr_out'), { attr_valid: VALID_S, attr_valid_nsec: 0, attr: attr(file.ino, file.size, false) }, lookup) } : err('ENOENT');
    case O.FUSE_OPEN: return file ? { error: 0, body: openOut(fs, file) } : err('ENOENT');
    case O.FUSE_CREATE: {
      const name = nameOf(r.payload);
      const f = fs.files.get(name) ?? addFile(fs, name, 0);
      return { error: 0, body: Buffer.concat([entryOut(f), openOut(fs, f)]) };
    }
    case O.FUSE_READ: {
      if (!file) return err('EBADF');
      const off = u(r.opIn?.offset), size = u(r.opIn?.size);
      return { error: 0, body: patternBytes(Number(file.ino), off, Math.max(0, Math.min(size, file.size - off))) };
    }
    case O.FUSE_WRITE: {
      if (!file) return err('EBADF');
      const off = u(r.opIn?.offset), size = u(r.opIn?.size);
      const data = r.payload.subarray(0, size);
      const bad = data.length < size ? data.length : firstMismatch(Number(file.ino), off, data);
      file.size = Math.max(file.size, off + size);
      return { error: 0, body: encode(L('fuse_write_out'), { size }, lookup), data: bad < 0 ? 'ok' : `mismatch@${bad}` };
    }
    case O.FUSE_FLUSH: case O.FUSE_RELEASE: case O.FUSE_FSYNC: return { error: 0, body: none };
    default: return err('ENOSYS');
  }
}

/** op_in's struct per opcode (in_args[0]); LOOKUP's is empty (fuse_set_zero_arg0), so its op_in is stale. */
export const OP_IN: Readonly<Partial<Record<number, string>>> = {
  [FUSE_OPCODE.FUSE_GETATTR]: 'fuse_getattr_in', [FUSE_OPCODE.FUSE_OPEN]: 'fuse_open_in', [FUSE_OPCODE.FUSE_CREATE]: 'fuse_create_in',
  [FUSE_OPCODE.FUSE_READ]: 'fuse_read_in', [FUSE_OPCODE.FUSE_WRITE]: 'fuse_write_in', [FUSE_OPCODE.FUSE_FLUSH]: 'fuse_flush_in',
  [FUSE_OPCODE.FUSE_RELEASE]: 'fuse_release_in', [FUSE_OPCODE.FUSE_FSYNC]: 'fuse_fsync_in',
};

/** Bytes of in_args[0], the op header the kernel copies into an entry's op_in (0: none, as LOOKUP's zero-size arg). */
export const opInSize = (opcode: number): number => { const l = OP_IN[opcode]; return l ? lookup(l).size : 0; };

/** What a request asks, in words both targets spell alike: "size@offset" for READ/WRITE, the name for LOOKUP/CREATE. */
export function argOf(r: FsRequest): string | undefined {
  const O = FUSE_OPCODE;
  if (r.opcode === O.FUSE_READ || r.opcode === O.FUSE_WRITE) return `${u(r.opIn?.size)}@${u(r.opIn?.offset)}`;
  if (r.opcode === O.FUSE_LOOKUP || r.opcode === O.FUSE_CREATE) return nameOf(r.payload);
  return undefined;
}
