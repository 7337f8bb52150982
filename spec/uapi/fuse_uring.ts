// The io-uring part of include/uapi/linux/fuse.h, per revision: cmd_req, req_header, ent_in_out.
import { bytes, const0, constant, flags, layout, struct, u16, u32, u64, bool, dir } from './dsl.js';
import type { AssumptionValues, Layout } from '../types.js';
import { FOPEN } from './fuse_kernel.js';

const U742 = 'include/uapi/linux/fuse.h (7.42, v6.14)';

export const fuse_uring_ent_in_out = layout('fuse_uring_ent_in_out', { size: 32, align: 8 }, `${U742}:struct fuse_uring_ent_in_out`, [
  [0, 'flags', u64, dir('out')],
  [8, 'commit_id', u64, dir('out')],
  [16, 'payload_sz', u32, dir('inout')],
  [20, 'padding', u32, const0],
  [24, 'reserved', u64, const0],
]);

/** The two 128-byte areas of struct fuse_uring_req_header (include/uapi/linux/fuse.h). */
export const FUSE_URING_IN_OUT_HEADER_SZ = 128;
export const FUSE_URING_OP_IN_OUT_SZ = 128;
/** A REGISTER's iovecs, header then payload (fs/fuse/dev_uring.c). */
export const FUSE_URING_IOV_SEGS = 2;

/** struct fuse_uring_req_header of every revision (288 bytes): in_out, op_in, then the revision's ring_ent_in_out. */
function reqHeader(name: string, source: string, ent: string): Layout {
  return layout(name, { size: 288, align: 8 }, `${source}:struct fuse_uring_req_header`, [
    [0, 'in_out', bytes(FUSE_URING_IN_OUT_HEADER_SZ), dir('inout')],
    [FUSE_URING_IN_OUT_HEADER_SZ, 'op_in', bytes(FUSE_URING_OP_IN_OUT_SZ), dir('out')],
    [FUSE_URING_IN_OUT_HEADER_SZ + FUSE_URING_OP_IN_OUT_SZ, 'ring_ent_in_out', struct(ent)],
  ]);
}

export const fuse_uring_req_header = reqHeader('fuse_uring_req_header', U742, 'fuse_uring_ent_in_out');

export const fuse_uring_cmd_req = layout('fuse_uring_cmd_req', { size: 24, align: 8 }, `${U742}:struct fuse_uring_cmd_req`, [
  [0, 'flags', u64],
  [8, 'commit_id', u64],
  [16, 'qid', u16],
  [18, 'padding', bytes(6), const0],
]);

export const R0_LAYOUTS: readonly Layout[] = [fuse_uring_cmd_req, fuse_uring_req_header, fuse_uring_ent_in_out];

export const FUSE_URING_CMD = {
  FUSE_IO_URING_CMD_INVALID: 0,
  FUSE_IO_URING_CMD_REGISTER: 1,
  FUSE_IO_URING_CMD_COMMIT_AND_FETCH: 2,
  FUSE_IO_URING_CMD_ADD_QUEUE: 3,
  FUSE_IO_URING_CMD_ADD_BUFPOOL: 4,
} as const;

/** The cmd_ops each revision answers (R8 adds ADD_QUEUE and ADD_BUFPOOL). */
export const R0_CMD_OPS = {
  FUSE_IO_URING_CMD_REGISTER: FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER,
  FUSE_IO_URING_CMD_COMMIT_AND_FETCH: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH,
} as const;
export const R8_CMD_OPS = {
  ...R0_CMD_OPS,
  FUSE_IO_URING_CMD_ADD_QUEUE: FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_QUEUE,
  FUSE_IO_URING_CMD_ADD_BUFPOOL: FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_BUFPOOL,
} as const;

export const R0_CONSTANTS = [
  constant('FUSE_IO_URING_CMD_INVALID', FUSE_URING_CMD.FUSE_IO_URING_CMD_INVALID, `${U742}:enum fuse_uring_cmd`),
  ...Object.entries(R0_CMD_OPS).map(([k, v]) => constant(k, v, `${U742}:enum fuse_uring_cmd`)),
  constant('FUSE_URING_IN_OUT_HEADER_SZ', FUSE_URING_IN_OUT_HEADER_SZ, `${U742}:FUSE_URING_IN_OUT_HEADER_SZ`),
  constant('FUSE_URING_OP_IN_OUT_SZ', FUSE_URING_OP_IN_OUT_SZ, `${U742}:FUSE_URING_OP_IN_OUT_SZ`),
  constant('FUSE_URING_IOV_SEGS', FUSE_URING_IOV_SEGS, 'fs/fuse/dev_uring.c:FUSE_URING_IOV_SEGS'),
] as const;

// R4 (Dec 2025 v3/v4): init.flags word and init.queue_depth in the former padding.
const D4 = 'Dec-2025 kmbuf series v4 (20260116233044.1532965-1-joannelkoong@gmail.com) include/uapi/linux/fuse.h';
/** fuse_uring_cmd_req.init.flags bits (v3/v4) and the buffer group of the ring (v2 19/25: bgid 0). */
export const FUSE_URING_BUF_RING$R4 = 1 << 0;
export const FUSE_URING_ZERO_COPY$R4 = 1 << 1;
export const FUSE_URING_RINGBUF_GROUP$R4 = 0;
export const R4_CONSTANTS = [
  constant('FUSE_URING_BUF_RING', FUSE_URING_BUF_RING$R4, 'Dec-2025 v3/v4 include/uapi/linux/fuse.h'),
  constant('FUSE_URING_ZERO_COPY', FUSE_URING_ZERO_COPY$R4, 'Dec-2025 v3/v4 include/uapi/linux/fuse.h'),
  constant('FUSE_URING_RINGBUF_GROUP', FUSE_URING_RINGBUF_GROUP$R4, 'Dec-2025 v2 19/25 (bgid 0)'),
] as const;
export const fuse_uring_cmd_req_init$R4 = layout('fuse_uring_cmd_req_init$R4', { size: 4, align: 2 }, `${D4}:fuse_uring_cmd_req.init`, [
  [0, 'flags', u16, flags('FUSE_URING_INIT$R4')],
  [2, 'queue_depth', u16],
]);
export const fuse_uring_cmd_req$R4 = layout('fuse_uring_cmd_req$R4', { size: 24, align: 8 }, `${D4}:struct fuse_uring_cmd_req`, [
  [0, 'flags', u64],
  [8, 'commit_id', u64],
  [16, 'qid', u16],
  [18, 'init', struct('fuse_uring_cmd_req_init$R4')],
  [22, 'padding', bytes(2), const0],
]);
// R2 (Dec 2025 v2): the same place held two bools, replaced by the flag word in v3.
const D2 = 'Dec-2025 kmbuf series v2 19/25 + 24/25 (20251218083319.3485503-20/-25) include/uapi/linux/fuse.h';
export const fuse_uring_cmd_req_init$R4v2 = layout('fuse_uring_cmd_req_init$R4v2', { size: 4, align: 2 }, `${D2}:fuse_uring_cmd_req.init`, [
  [0, 'use_bufring', bool],
  [1, 'zero_copy', bool],
  [2, 'queue_depth', u16],
]);
export const fuse_uring_cmd_req$R4v2 = layout('fuse_uring_cmd_req$R4v2', { size: 24, align: 8 }, `${D2}:struct fuse_uring_cmd_req`, [
  [0, 'flags', u64],
  [8, 'commit_id', u64],
  [16, 'qid', u16],
  [18, 'init', struct('fuse_uring_cmd_req_init$R4v2')],
  [22, 'padding', bytes(2), const0],
]);
export const R4_LAYOUTS: readonly Layout[] = [
  fuse_uring_cmd_req$R4, fuse_uring_cmd_req_init$R4, fuse_uring_cmd_req$R4v2, fuse_uring_cmd_req_init$R4v2,
  fuse_uring_req_header, fuse_uring_ent_in_out,
];

/**
 * R7 (April 2026 v2) flag bits as the spec assumes them (the r7.flag.* assumptions default to these; a header settles
 * them): no public header of that version has them.
 */
export const FUSE_URING_FLAG$R7 = {
  FUSE_URING_BUFRING: 1n << 0n, FUSE_URING_PINNED_HEADERS: 1n << 1n, FUSE_URING_PINNED_BUFFERS: 1n << 2n, FUSE_URING_ZERO_COPY: 1n << 3n,
} as const;

/** R7 (April 2026 v2): placement of queue_depth, buf_size and buf_id rests on assumptions. */
export function r7Layouts(a: AssumptionValues): readonly Layout[] {
  const qd = Number(a['r7.cmd_req.queue_depth.offset']);
  const bs = Number(a['r7.cmd_req.buf_size.offset']);
  const bid = Number(a['r7.ent_in_out.buf_id.offset']);
  const src = { ref: 'April-2026 v2 series (20260402162840.2989717-*): fuse_uring_cmd_req', assumption: 'r7.cmd_req.queue_depth.offset' };
  const cmd = layout('fuse_uring_cmd_req$R7', { size: 40, align: 8 }, src, [
    [0, 'flags', u64, flags('FUSE_URING_INIT$R7')],
    [8, 'commit_id', u64],
    [16, 'qid', u16],
    [18, 'padding', bytes(6), const0],
    [qd, 'queue_depth', u16],
    [bs, 'buf_size', u32],
    [32, 'reserved', u64, const0],
  ].sort((x, y) => (x[0] as number) - (y[0] as number)) as never);
  const ent = layout('fuse_uring_ent_in_out$R7', { size: 32, align: 8 },
    { ref: 'April-2026 v2 Documentation/filesystems/fuse/fuse-io-uring.rst (buf_id via ent_in_out)', assumption: 'r7.ent_in_out.buf_id.offset' }, [
      [0, 'flags', u64, dir('out')],
      [8, 'commit_id', u64, dir('out')],
      [16, 'payload_sz', u32, dir('inout')],
      [bid, 'buf_id', u32, dir('out')],
      [24, 'reserved', u64, const0],
    ]);
  const hdr = reqHeader('fuse_uring_req_header$R7', U742, 'fuse_uring_ent_in_out$R7');
  return [cmd, hdr, ent];
}

// R8 (mainline 7.3, protocol 7.46): 40-byte cmd_req with a union at 24; ent_in_out.offset.
const M73 = 'include/uapi/linux/fuse.h (7.46, v7.3-rc1 merge 9cebfe650448)';
/** fuse_uring_cmd_req.flags (ADD_QUEUE), ent_in_out.flags, the INIT flag and the protocol minor of 7.3. */
export const FUSE_URING_ZERO_COPY$R8 = 1n << 0n;
export const FUSE_URING_ENT_ZERO_COPY$R8 = 1n << 0n;
export const FUSE_HAS_IO_URING_BUFPOOL$R8 = 1n << 43n;
export const FUSE_KERNEL_MINOR_VERSION$R8 = 46;
export const R8_CONSTANTS = [
  ...(['FUSE_IO_URING_CMD_ADD_QUEUE', 'FUSE_IO_URING_CMD_ADD_BUFPOOL'] as const).map((k) => constant(k, R8_CMD_OPS[k], `${M73}:enum fuse_uring_cmd`)),
  constant('FUSE_URING_ZERO_COPY', FUSE_URING_ZERO_COPY$R8, `${M73}:FUSE_URING_ZERO_COPY`),
  constant('FUSE_URING_ENT_ZERO_COPY', FUSE_URING_ENT_ZERO_COPY$R8, `${M73}:FUSE_URING_ENT_ZERO_COPY`),
  constant('FUSE_HAS_IO_URING_BUFPOOL', FUSE_HAS_IO_URING_BUFPOOL$R8, `${M73}:FUSE_HAS_IO_URING_BUFPOOL`),
  constant('FOPEN_IO_URING_ZERO_COPY', FOPEN.FOPEN_IO_URING_ZERO_COPY, `${M73}:FOPEN_IO_URING_ZERO_COPY`),
  constant('FUSE_KERNEL_MINOR_VERSION', FUSE_KERNEL_MINOR_VERSION$R8, `${M73}:FUSE_KERNEL_MINOR_VERSION`),
] as const;
export const fuse_uring_bufpool = layout('fuse_uring_bufpool', { size: 16, align: 8 }, `${M73}:fuse_uring_cmd_req.bufpool`, [
  [0, 'uaddr', u64],
  [8, 'len', u32],
  [12, 'reserved', u32, const0],
]);
export const fuse_uring_cmd_req$R8 = layout('fuse_uring_cmd_req$R8', { size: 40, align: 8 }, `${M73}:struct fuse_uring_cmd_req`, [
  [0, 'flags', u64, flags('FUSE_URING_QUEUE$R8')],
  [8, 'commit_id', u64],
  [16, 'qid', u16],
  [18, 'padding', bytes(6), const0],
  [24, 'bufpool', struct('fuse_uring_bufpool'), undefined, 'bufpool'],
  [24, 'ent_zero_copy_buf_index', u16, undefined, 'register'],
]);
export const fuse_uring_ent_in_out$R8 = layout('fuse_uring_ent_in_out$R8', { size: 32, align: 8 }, `${M73}:struct fuse_uring_ent_in_out`, [
  [0, 'flags', u64, flags('FUSE_URING_ENT$R8')],
  [8, 'commit_id', u64, dir('out')],
  [16, 'payload_sz', u32, dir('inout')],
  [20, 'offset', u32, dir('out')],
  [24, 'reserved', u64, const0],
]);
export const fuse_uring_req_header$R8 = reqHeader('fuse_uring_req_header$R8', M73, 'fuse_uring_ent_in_out$R8');
export const R8_LAYOUTS: readonly Layout[] = [fuse_uring_cmd_req$R8, fuse_uring_bufpool, fuse_uring_req_header$R8, fuse_uring_ent_in_out$R8];

