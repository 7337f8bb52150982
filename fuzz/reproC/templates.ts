// Byte templates the generated C starts from, each encoded with spec/codec (through the same functions the kernel target
// uses), and checked at generation time: the fields the C patches at run time are the only bytes that depend on them.
import { decode, type Record as Rec } from '../../spec/codec/codec.js';
import { answer, newFs, ROOT_INO, type FsFile, type FsRequest, type FsState } from '../../spec/fs/fs.js';
import { patternBytes } from '../../spec/fs/pattern.js';
import type { ConnConfig, UringCmdSpec } from '../../spec/conn/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { FOPEN, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { IORING } from '../../spec/uapi/io_uring.js';
import { initReply } from '../../src/kernel/fuseMsg.js';
import { uringCmdSqe } from '../../src/kernel/sqe.js';
import { assertPatchable, bytesC, encodeLayout, fieldAt } from './layout.js';

const O = FUSE_OPCODE;

const at = (rev: Revision, layout: string, path: string): readonly [number, number] => {
  const f = fieldAt(rev, layout, path);
  if (!f) throw new Error(`C reproducer: ${layout} has no field ${path}`);
  return [f.offset, f.width];
};
const shift = ([o, w]: readonly [number, number], by: number) => [o + by, w] as const;

/**
 * The 128-byte SQE of a command, as src/kernel/sqe.ts builds it, with fd, user_data, addr, commit_id and qid (and
 * bufpool.uaddr for ADD_BUFPOOL; uring_cmd_flags and buf_index when `fixedPatched`) left for the C to fill in.
 */
export function sqeTemplate(rev: Revision, sqe: UringCmdSpec, what: string, fixedPatched = false): Uint8Array {
  const build = (v: { fd: number; ud: bigint; commit: bigint; qid: number; addr: bigint; bp: bigint; fixed: boolean; bi: number }) =>
    uringCmdSqe(rev, v.fd, v.ud, { ...sqe, qid: v.qid, ...(fixedPatched && v.fixed ? { fixed: true, buf_index: v.bi } : {}) }, v.commit, { iovArray: v.addr, bufpool: v.bp });
  const a = build({ fd: 0, ud: 0n, commit: 0n, qid: sqe.qid, addr: 0n, bp: 0n, fixed: false, bi: 0 });
  const b = build({ fd: 0x5a5a5a5a, ud: (1n << 63n) | 0x77n, commit: (1n << 63n) | 0x99n, qid: sqe.qid ^ 0xa5a5, addr: (1n << 47n) | 0x1234n, bp: sqe.bufpool ? (1n << 46n) | 0x4321n : 0n, fixed: true, bi: 0x3c3c });
  const S = 'io_uring_sqe$uring_cmd';
  const cmd = at(rev, S, 'cmd')[0];
  const ranges = [at(rev, S, 'fd'), at(rev, S, 'user_data'), at(rev, S, 'addr'), shift(at(rev, rev.cmdReq, 'commit_id'), cmd), shift(at(rev, rev.cmdReq, 'qid'), cmd)];
  if (sqe.bufpool) ranges.push(shift(at(rev, rev.cmdReq, 'bufpool.uaddr'), cmd));
  if (fixedPatched) ranges.push(at(rev, S, 'uring_cmd_flags'), at(rev, S, 'buf_index'));
  assertPatchable(what, a, b, ranges);
  return a;
}

/** The NOP of the harness's fence; only user_data is filled in at run time. */
export function nopTemplate(rev: Revision): Uint8Array {
  return encodeLayout(rev, 'io_uring_sqe$uring_cmd', { opcode: IORING.IORING_OP_NOP });
}

/** The server's FUSE_INIT reply (fuse_out_header + fuse_init_out) as src/kernel/fuseMsg.ts builds it; the C fills in unique, minor, max_readahead and flags. */
export function initTemplate(rev: Revision, init: NonNullable<ConnConfig['init']>): Uint8Array {
  const a = initReply(0n, { major: 7, minor: 0, max_readahead: 0, flags: 0n }, init).bytes;
  const b = initReply(0x1234_5678_9abcn, { major: 7, minor: 45, max_readahead: 0x20000, flags: (1n << 64n) - 1n }, init).bytes;
  const oh = rev.lookup('fuse_out_header').size;
  assertPatchable('FUSE_INIT reply', a, b, [at(rev, 'fuse_out_header', 'unique'),
    ...['minor', 'max_readahead', 'flags', 'flags2'].map((f) => shift(at(rev, 'fuse_init_out', f), oh))]);
  return a;
}

const req = (opcode: number, nodeid: bigint, opIn: Rec | null = null, payload: Uint8Array = new Uint8Array()): FsRequest => ({ opcode, nodeid, opIn, payload });
const nameBytes = (n: string) => Buffer.from(`${n}\0`, 'latin1');

/** The filesystem's reply bodies (spec/fs/fs.ts answer()), with a file's varying fields left for the C. */
export interface FsTemplates {
  readonly rootAttr: Uint8Array;
  readonly fileAttr: Uint8Array;
  readonly entry: Uint8Array;
  readonly open: Uint8Array;
  readonly writeOut: Uint8Array;
  /** st_blocks = ceil(size / blockUnit), as fs.ts's attr() computes it. */
  readonly blockUnit: number;
  readonly initial: readonly FsFile[];
  readonly nextIno: bigint;
}

export function fsTemplates(rev: Revision, openFlags: number): FsTemplates {
  const fresh = () => newFs(openFlags);
  const fs = fresh();
  const files = [...fs.files.values()];
  const [f1, f2] = [files[1]!, files[2]!];
  const body = (s: FsState, r: FsRequest) => { const a = answer(s, r); if (a.error !== 0) throw new Error(`C reproducer: fs answered ${a.error} to opcode ${r.opcode}`); return a.body; };
  const attrRanges = (base: number) => ['ino', 'size', 'blocks'].map((f) => shift(at(rev, 'fuse_attr', f), base));
  const attrOut = at(rev, 'fuse_attr_out', 'attr')[0], entryAttr = at(rev, 'fuse_entry_out', 'attr')[0];

  const fileAttr = (f: FsFile) => body(fs, req(O.FUSE_GETATTR, f.ino));
  assertPatchable('GETATTR reply', fileAttr(f1), fileAttr(f2), attrRanges(attrOut));
  const entry = (f: FsFile) => body(fs, req(O.FUSE_LOOKUP, ROOT_INO, null, nameBytes(f.name)));
  assertPatchable('LOOKUP reply', entry(f1), entry(f2), [at(rev, 'fuse_entry_out', 'nodeid'), ...attrRanges(entryAttr)]);
  const open = (f: FsFile) => body(fs, req(O.FUSE_OPEN, f.ino));
  assertPatchable('OPEN reply', open(f1), open(f2), [at(rev, 'fuse_open_out', 'fh')]);
  // CREATE of an existing name answers entry + open of that file: the C builds it from the two templates.
  const created = body(fresh(), req(O.FUSE_CREATE, ROOT_INO, { flags: 0, mode: 0, umask: 0, open_flags: 0 }, nameBytes(f1.name)));
  if (!Buffer.from(created).equals(Buffer.concat([entry(f1), open(f1)]))) throw new Error('C reproducer: CREATE reply is not LOOKUP + OPEN of the file');
  const write = (size: number) => body(fresh(), req(O.FUSE_WRITE, f1.ino, { offset: 0n, size }, patternBytes(Number(f1.ino), 0, size)));
  assertPatchable('WRITE reply', write(1), write(0x1234), [at(rev, 'fuse_write_out', 'size')]);

  // The block unit of st_blocks: the largest size that still takes one block.
  const blocks = (size: number) => { const s = fresh(); const f = [...s.files.values()][1]!; f.size = size; return Number((decode(rev.lookup('fuse_attr_out'), fileAttr2(s, f), rev.lookup).attr as Rec).blocks); };
  const fileAttr2 = (s: FsState, f: FsFile) => body(s, req(O.FUSE_GETATTR, f.ino));
  let lo = 1, hi = 1 << 20;
  while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if (blocks(mid) <= 1) lo = mid; else hi = mid - 1; }
  const unit = lo;
  for (const [size, want] of [[0, 0], [1, 1], [unit, 1], [unit + 1, 2], [3 * unit, 3], [3 * unit + 1, 4]] as const) {
    if (blocks(size) !== want) throw new Error(`C reproducer: st_blocks of ${size} bytes is ${blocks(size)}, not ceil(size/${unit})`);
  }
  return {
    rootAttr: body(fs, req(O.FUSE_GETATTR, ROOT_INO)), fileAttr: fileAttr(f1), entry: entry(f1), open: open(f1), writeOut: write(1),
    blockUnit: unit, initial: files.map((f) => ({ ...f })), nextIno: fs.nextIno,
  };
}

/** Pattern bytes the C's own table must reproduce (checked when the program starts). */
export const PATTERN_PROBES: readonly (readonly [seed: number, off: number])[] = [[0, 0], [2, 0], [3, 4095], [4, 1 << 20], [5, 1048572], [77, 123457]];

export function templatesC(rev: Revision, cfg: ConnConfig): string {
  const t = fsTemplates(rev, cfg.open_flags ?? FOPEN.FOPEN_DIRECT_IO);
  const arr = (name: string, b: Uint8Array, why: string) => `/* ${why} */\nstatic const unsigned char ${name}[${Math.max(1, b.length)}] = {\n  ${bytesC(b)}\n};`;
  const serve = sqeTemplate(rev, { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: 0, reply: { unique: 'match', error: 0, payload_sz: 'exact' } }, 'serve COMMIT_AND_FETCH', true);
  const probes = PATTERN_PROBES.map(([s, o]) => `  {${s}, ${o}, {${Array.from(patternBytes(s, o, 16)).join(',')}}},`).join('\n');
  return [
    arr('T_NOP', nopTemplate(rev), 'IORING_OP_NOP: the fence (user_data filled in)'),
    arr('T_SERVE_COMMIT', serve, 'a serve step\'s COMMIT_AND_FETCH (fd, user_data, addr, commit_id, qid, FIXED and buf_index filled in)'),
    cfg.init ? arr('T_INIT_REPLY', initTemplate(rev, cfg.init), 'FUSE_INIT reply: fuse_out_header + fuse_init_out (unique, minor, max_readahead, flags, flags2 filled in)') : '',
    arr('T_ROOT_ATTR', t.rootAttr, 'GETATTR of the root: fuse_attr_out'),
    arr('T_FILE_ATTR', t.fileAttr, 'GETATTR of a file: fuse_attr_out (attr.ino/size/blocks filled in)'),
    arr('T_ENTRY', t.entry, 'LOOKUP: fuse_entry_out (nodeid, attr.ino/size/blocks filled in)'),
    arr('T_OPEN', t.open, 'OPEN: fuse_open_out (fh filled in)'),
    arr('T_WRITE_OUT', t.writeOut, 'WRITE: fuse_write_out (size filled in)'),
    `#define FS_BLOCK_UNIT ${t.blockUnit}\n#define FS_NEXT_INO ${t.nextIno}ull`,
    `static const struct { const char *name; uint64_t ino, size; } FS_INITIAL[] = {\n${t.initial.map((f) => `  {${JSON.stringify(f.name)}, ${f.ino}, ${f.size}},`).join('\n')}\n};`,
    `static const struct { uint32_t seed; uint64_t off; unsigned char b[16]; } PATTERN_PROBES[] = {\n${probes}\n};`,
  ].filter(Boolean).join('\n');
}
