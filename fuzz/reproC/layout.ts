// Every byte position the generated C touches, taken from the spec's layout tables at generation time: field offsets
// and widths as #defines, constants by their one declaration in spec/, and byte templates encoded with spec/codec.
import { encode, fieldSize } from '../../spec/codec/codec.js';
import { ERRNO } from '../../spec/errno.js';
import { OP_IN, ROOT_INO } from '../../spec/fs/fs.js';
import { PATTERN_LEN } from '../../spec/fs/pattern.js';
import type { Revision } from '../../spec/revisions.js';
import type { Field, Layout } from '../../spec/types.js';
import { FUSE_DEV_IOC, FUSE_INIT_FLAG, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_ENT_ZERO_COPY$R8 } from '../../spec/uapi/fuse_uring.js';
import { O_FLAG } from '../../spec/uapi/linux.js';
import { IORING } from '../../spec/uapi/io_uring.js';
import { ARENA, KERNEL_ADDR } from '../../src/kernel/regions.js';

/** One emitted #define: a field's offset (with its width as NAME_W), a layout's size, or a constant. */
export interface CDefine {
  readonly name: string;
  readonly value: number | bigint;
  /** For offsets and sizes: the spec layout and field path it comes from (the header check compiles offsetof of it). */
  readonly layout?: string;
  readonly field?: string;
  readonly width?: number;
}

/** A field by dotted path inside a layout, nested structs and union arms included: its offset from the layout's start. */
export function fieldAt(rev: Revision, layout: string, path: string): { offset: number; width: number } | null {
  let l: Layout = rev.lookup(layout);
  let offset = 0;
  let f: Field | undefined;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    f = l.fields.find((x) => x.name === parts[i]);
    if (!f) return null;
    offset += f.offset;
    if (i < parts.length - 1) {
      if (f.type.kind !== 'struct') return null;
      l = rev.lookup(f.type.layout);
    }
  }
  return { offset, width: fieldSize(f!, rev.lookup) };
}

/** The ring_ent_in_out layout of the revision's request header. */
export function entLayoutName(rev: Revision): string {
  const f = rev.lookup(rev.reqHeader).fields.find((x) => x.name === 'ring_ent_in_out');
  if (!f || f.type.kind !== 'struct') throw new Error(`${rev.reqHeader} has no ring_ent_in_out struct`);
  return f.type.layout;
}

/** [C prefix, spec layout, { C field name: spec field path }, optional fields]. */
export type Group = readonly [prefix: string, layout: string, fields: Readonly<Record<string, string>>, optional?: readonly string[]];

function groups(rev: Revision): Group[] {
  return [
    ['SQE', 'io_uring_sqe$uring_cmd', { OPCODE: 'opcode', FD: 'fd', CMD_OP: 'cmd_op', ADDR: 'addr', LEN: 'len', URING_CMD_FLAGS: 'uring_cmd_flags', USER_DATA: 'user_data', BUF_INDEX: 'buf_index', CMD: 'cmd' }],
    ['RW', 'io_uring_sqe$rw', { OPCODE: 'opcode', FD: 'fd', OFF: 'off', ADDR: 'addr', LEN: 'len', USER_DATA: 'user_data', BUF_INDEX: 'buf_index' }],
    ['CQE', 'io_uring_cqe', { USER_DATA: 'user_data', RES: 'res', FLAGS: 'flags' }],
    ['RSRC_UP', 'io_uring_rsrc_update2', { OFFSET: 'offset', DATA: 'data', NR: 'nr' }],
    ['IOVEC', 'iovec', { BASE: 'iov_base', LEN: 'iov_len' }],
    ['CMD_REQ', rev.cmdReq, { FLAGS: 'flags', COMMIT_ID: 'commit_id', QID: 'qid', BUFPOOL_UADDR: 'bufpool.uaddr' }, ['BUFPOOL_UADDR']],
    ['HDR', rev.reqHeader, { IN_OUT: 'in_out', OP_IN: 'op_in', ENT: 'ring_ent_in_out' }],
    ['ENT', entLayoutName(rev), { FLAGS: 'flags', COMMIT_ID: 'commit_id', PAYLOAD_SZ: 'payload_sz', OFFSET: 'offset' }, ['OFFSET']],
    ['IN_H', 'fuse_in_header', { LEN: 'len', OPCODE: 'opcode', UNIQUE: 'unique', NODEID: 'nodeid', PID: 'pid' }],
    ['OUT_H', 'fuse_out_header', { LEN: 'len', ERROR: 'error', UNIQUE: 'unique' }],
    ['INIT_IN', 'fuse_init_in', { MAJOR: 'major', MINOR: 'minor', MAX_READAHEAD: 'max_readahead', FLAGS: 'flags', FLAGS2: 'flags2' }],
    ['INIT_OUT', 'fuse_init_out', { MINOR: 'minor', MAX_READAHEAD: 'max_readahead', FLAGS: 'flags', FLAGS2: 'flags2' }],
    ['READ_IN', 'fuse_read_in', { OFFSET: 'offset', SIZE: 'size' }],
    ['WRITE_IN', 'fuse_write_in', { OFFSET: 'offset', SIZE: 'size' }],
    ['ATTR', 'fuse_attr', { INO: 'ino', SIZE: 'size', BLOCKS: 'blocks' }],
    ['ATTR_OUT', 'fuse_attr_out', { ATTR: 'attr' }],
    ['ENTRY_OUT', 'fuse_entry_out', { NODEID: 'nodeid', ATTR: 'attr' }],
    ['OPEN_OUT', 'fuse_open_out', { FH: 'fh' }],
    ['WRITE_OUT', 'fuse_write_out', { SIZE: 'size' }],
  ];
}

/** Offsets (NAME, NAME_W) and sizes (PREFIX_SIZEOF) of every layout field the C program reads or writes. */
export function layoutDefines(rev: Revision): CDefine[] { return groupDefines(rev, groups(rev)); }

/** Offsets (PREFIX_NAME, PREFIX_NAME_W) and sizes (PREFIX_SIZEOF) of the groups' fields; an absent optional one is -1. */
export function groupDefines(rev: Revision, gs: readonly Group[]): CDefine[] {
  const out: CDefine[] = [];
  for (const [prefix, layout, fields, optional = []] of gs) {
    out.push({ name: `${prefix}_SIZEOF`, value: rev.lookup(layout).size, layout });
    for (const [name, path] of Object.entries(fields)) {
      const at = fieldAt(rev, layout, path);
      if (!at) {
        if (!optional.includes(name)) throw new Error(`C reproducer: ${layout} has no field ${path}`);
        out.push({ name: `${prefix}_${name}`, value: -1 }, { name: `${prefix}_${name}_W`, value: 0 });
        continue;
      }
      out.push({ name: `${prefix}_${name}`, value: at.offset, layout, field: path, width: at.width });
      out.push({ name: `${prefix}_${name}_W`, value: at.width });
    }
  }
  return out;
}

/** Constants, each from its declaration in spec/ (prefixed, so no system header's macro or enum collides). */
export function constantDefines(): CDefine[] {
  const O = FUSE_OPCODE;
  const c = (name: string, value: number | bigint): CDefine => ({ name: `SPEC_${name}`, value });
  return [
    c('IORING_OP_URING_CMD', IORING.IORING_OP_URING_CMD), c('IORING_OP_NOP', IORING.IORING_OP_NOP),
    c('IORING_SETUP_SQE128', IORING.IORING_SETUP_SQE128), c('IORING_URING_CMD_FIXED', IORING.IORING_URING_CMD_FIXED),
    c('IORING_CQE_F_BUFFER', IORING.IORING_CQE_F_BUFFER), c('IORING_CQE_BUFFER_SHIFT', IORING.IORING_CQE_BUFFER_SHIFT),
    c('IORING_REGISTER_BUFFERS', IORING.IORING_REGISTER_BUFFERS), c('IORING_REGISTER_BUFFERS_UPDATE', IORING.IORING_REGISTER_BUFFERS_UPDATE),
    c('IORING_OP_READ_FIXED', IORING.IORING_OP_READ_FIXED), c('IORING_OP_WRITE_FIXED', IORING.IORING_OP_WRITE_FIXED),
    c('IORING_OP_READ', IORING.IORING_OP_READ), c('IORING_OP_WRITE', IORING.IORING_OP_WRITE),
    c('FUSE_URING_ENT_ZERO_COPY', FUSE_URING_ENT_ZERO_COPY$R8), c('O_TMPFILE', O_FLAG.O_TMPFILE),
    c('CMD_REGISTER', FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER), c('CMD_COMMIT', FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH),
    c('CMD_ADD_BUFPOOL', FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_BUFPOOL),
    ...(['FUSE_LOOKUP', 'FUSE_FORGET', 'FUSE_GETATTR', 'FUSE_OPEN', 'FUSE_READ', 'FUSE_WRITE', 'FUSE_RELEASE', 'FUSE_FSYNC', 'FUSE_FLUSH',
      'FUSE_INIT', 'FUSE_CREATE', 'FUSE_INTERRUPT', 'FUSE_BATCH_FORGET'] as const).map((k) => c(k, O[k])),
    c('FUSE_DEV_IOC_SYNC_INIT', FUSE_DEV_IOC.FUSE_DEV_IOC_SYNC_INIT), c('FUSE_INIT_EXT', FUSE_INIT_FLAG.FUSE_INIT_EXT),
    c('ROOT_INO', ROOT_INO), c('PATTERN_LEN', PATTERN_LEN), c('KERNEL_ADDR', KERNEL_ADDR), c('ARENA_BASE', ARENA.base), c('ARENA_SIZE', ARENA.size),
    ...(['ENOENT', 'EBADF', 'ENOSYS', 'EINTR', 'ERESTARTSYS', 'ETIMEDOUT', 'ENODEV', 'ECONNABORTED', 'ENOTCONN'] as const).map((k) => c(k, ERRNO[k])),
  ];
}

/** op_in's size per opcode (OP_IN of spec/fs/fs.ts), -1 where the opcode has none: the C switch. */
export function opInSizes(rev: Revision): string {
  const cases = Object.entries(OP_IN).map(([op, l]) => `    case ${op}: return ${rev.lookup(l!).size}; /* ${l} */`);
  return `static int opin_size(uint32_t op) {\n  switch (op) {\n${cases.join('\n')}\n    default: return -1;\n  }\n}`;
}

/** errnoName of spec/errno.ts as a C function. */
export function errnoNames(): string {
  const cases = Object.entries(ERRNO).map(([k, v]) => `    case ${v}: return "-${k}";`);
  return `static const char *errno_name(long res, char *buf) {\n  if (res >= 0) { sprintf(buf, "%ld", res); return buf; }\n  switch (-res) {\n${cases.join('\n')}\n  }\n  sprintf(buf, "%ld", res);\n  return buf;\n}`;
}

const lit = (v: number | bigint): string => (typeof v === 'bigint' || v > 0x7fffffff || v < -0x80000000 ? `${BigInt(v) < 0n ? `(${v}ll)` : `${v}ull`}` : `${v}`);

export function definesText(defs: readonly CDefine[]): string {
  return defs.map((d) => `#define ${d.name} ${lit(d.value)}${d.layout ? `  /* ${d.layout}${d.field ? `.${d.field}` : ' size'} */` : ''}`).join('\n');
}

/** Bytes as a C initializer list, 24 per line. */
export function bytesC(b: Uint8Array): string {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 24) rows.push(Array.from(b.subarray(i, i + 24), (x) => `0x${x.toString(16).padStart(2, '0')}`).join(','));
  return rows.length ? rows.join(',\n  ') : '0';
}

/**
 * Checks that a template's runtime-patched fields are exactly where the defines say: encoding with two value sets
 * may differ only inside the patched ranges (so nothing the C leaves alone depends on a runtime value).
 */
export function assertPatchable(what: string, a: Uint8Array, b: Uint8Array, ranges: readonly (readonly [number, number])[]): void {
  if (a.length !== b.length) throw new Error(`C reproducer: ${what} template changes length (${a.length} vs ${b.length})`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !ranges.some(([at, w]) => i >= at && i < at + w)) throw new Error(`C reproducer: ${what} template byte ${i} depends on a value the C does not patch`);
  }
}

export const encodeLayout = (rev: Revision, name: string, v: Parameters<typeof encode>[1]): Uint8Array => encode(rev.lookup(name), v, rev.lookup);
