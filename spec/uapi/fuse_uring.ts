// The io-uring part of include/uapi/linux/fuse.h, per revision: cmd_req, req_header, ent_in_out.
import { bytes, const0, constant, flags, layout, struct, u16, u32, u64, bool, dir } from './dsl.js';
import type { AssumptionValues, Layout } from '../types.js';

const U742 = 'include/uapi/linux/fuse.h (7.42, v6.14)';

export const fuse_uring_ent_in_out = layout('fuse_uring_ent_in_out', { size: 32, align: 8 }, `${U742}:struct fuse_uring_ent_in_out`, [
  [0, 'flags', u64, dir('out')],
  [8, 'commit_id', u64, dir('out')],
  [16, 'payload_sz', u32, dir('inout')],
  [20, 'padding', u32, const0],
  [24, 'reserved', u64, const0],
]);

export const fuse_uring_req_header = layout('fuse_uring_req_header', { size: 288, align: 8 }, `${U742}:struct fuse_uring_req_header`, [
  [0, 'in_out', bytes(128), dir('inout')],
  [128, 'op_in', bytes(128), dir('out')],
  [256, 'ring_ent_in_out', struct('fuse_uring_ent_in_out')],
]);

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

export const R0_CONSTANTS = [
  constant('FUSE_IO_URING_CMD_INVALID', 0, `${U742}:enum fuse_uring_cmd`),
  constant('FUSE_IO_URING_CMD_REGISTER', 1, `${U742}:enum fuse_uring_cmd`),
  constant('FUSE_IO_URING_CMD_COMMIT_AND_FETCH', 2, `${U742}:enum fuse_uring_cmd`),
  constant('FUSE_URING_IN_OUT_HEADER_SZ', 128, `${U742}:FUSE_URING_IN_OUT_HEADER_SZ`),
  constant('FUSE_URING_OP_IN_OUT_SZ', 128, `${U742}:FUSE_URING_OP_IN_OUT_SZ`),
  constant('FUSE_URING_IOV_SEGS', 2, 'fs/fuse/dev_uring.c:FUSE_URING_IOV_SEGS'),
] as const;

// R4 (Dec 2025 v3/v4): init.flags word and init.queue_depth in the former padding.
const D4 = 'Dec-2025 kmbuf series v4 (20260116233044.1532965-1-joannelkoong@gmail.com) include/uapi/linux/fuse.h';
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
  const hdr = layout('fuse_uring_req_header$R7', { size: 288, align: 8 }, `${U742}:struct fuse_uring_req_header`, [
    [0, 'in_out', bytes(128), dir('inout')],
    [128, 'op_in', bytes(128), dir('out')],
    [256, 'ring_ent_in_out', struct('fuse_uring_ent_in_out$R7')],
  ]);
  return [cmd, hdr, ent];
}

// R8 (mainline 7.3, protocol 7.46): 40-byte cmd_req with a union at 24; ent_in_out.offset.
const M73 = 'include/uapi/linux/fuse.h (7.46, v7.3-rc1 merge 9cebfe650448)';
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
export const fuse_uring_req_header$R8 = layout('fuse_uring_req_header$R8', { size: 288, align: 8 }, `${M73}:struct fuse_uring_req_header`, [
  [0, 'in_out', bytes(128), dir('inout')],
  [128, 'op_in', bytes(128), dir('out')],
  [256, 'ring_ent_in_out', struct('fuse_uring_ent_in_out$R8')],
]);
export const R8_LAYOUTS: readonly Layout[] = [fuse_uring_cmd_req$R8, fuse_uring_bufpool, fuse_uring_req_header$R8, fuse_uring_ent_in_out$R8];

