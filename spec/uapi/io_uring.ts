// The io_uring subset we use: the 128-byte SQE of IORING_OP_URING_CMD, CQE, setup flags.
import { bytes, const0, constant, i32, layout, u16, u32, u64, u8, flags } from './dsl.js';

const UAPI = 'include/uapi/linux/io_uring.h';

/** SQE128 as used by URING_CMD: the 80-byte command area starts at offset 48. */
export const io_uring_sqe$uring_cmd = layout('io_uring_sqe$uring_cmd', { size: 128, align: 8 }, `${UAPI}:struct io_uring_sqe`, [
  [0, 'opcode', u8],
  [1, 'flags', u8, flags('IOSQE')],
  [2, 'ioprio', u16],
  [4, 'fd', i32],
  [8, 'cmd_op', u32],
  [12, '__pad1', u32, const0],
  [16, 'addr', u64],
  [24, 'len', u32],
  [28, 'uring_cmd_flags', u32, flags('IORING_URING_CMD')],
  [32, 'user_data', u64],
  [40, 'buf_index', u16],
  [42, 'personality', u16],
  [44, 'file_index', u32],
  [48, 'cmd', bytes(80)],
]);

/** SQE of the read/write ops (READ, WRITE, READ_FIXED, WRITE_FIXED) the server moves zero-copied pages with; 128 bytes, an SQE128 slot. */
export const io_uring_sqe$rw = layout('io_uring_sqe$rw', { size: 128, align: 8 }, `${UAPI}:struct io_uring_sqe`, [
  [0, 'opcode', u8],
  [1, 'flags', u8, flags('IOSQE')],
  [2, 'ioprio', u16],
  [4, 'fd', i32],
  [8, 'off', u64],
  [16, 'addr', u64],
  [24, 'len', u32],
  [28, 'rw_flags', u32],
  [32, 'user_data', u64],
  [40, 'buf_index', u16],
  [42, 'personality', u16],
  [44, 'file_index', u32],
  [48, '__pad2', bytes(80)],
]);

export const io_uring_cqe = layout('io_uring_cqe', { size: 16, align: 8 }, `${UAPI}:struct io_uring_cqe`, [
  [0, 'user_data', u64],
  [8, 'res', i32],
  [12, 'flags', u32, flags('IORING_CQE_F')],
]);

export const iovec = layout('iovec', { size: 16, align: 8 }, 'include/uapi/linux/uio.h:struct iovec', [
  [0, 'iov_base', u64],
  [8, 'iov_len', u64],
]);

/** IORING_REGISTER_BUFFERS_UPDATE's argument: `nr` iovecs at `data` into the table from slot `offset`. */
export const io_uring_rsrc_update2 = layout('io_uring_rsrc_update2', { size: 32, align: 8 }, `${UAPI}:struct io_uring_rsrc_update2`, [
  [0, 'offset', u32],
  [4, 'resv', u32, const0],
  [8, 'data', u64],
  [16, 'tags', u64],
  [24, 'nr', u32],
  [28, 'resv2', u32, const0],
]);

export const IO_URING_LAYOUTS = [io_uring_sqe$uring_cmd, io_uring_sqe$rw, io_uring_cqe, iovec, io_uring_rsrc_update2] as const;

/** The io_uring values the harness uses, each declared once; IO_URING_CONSTANTS lists them with their sources. */
export const IORING = {
  IORING_OP_NOP: 0,
  IORING_OP_READ_FIXED: 4,
  IORING_OP_WRITE_FIXED: 5,
  IORING_OP_READ: 22,
  IORING_OP_WRITE: 23,
  IORING_OP_URING_CMD: 46,
  IORING_SETUP_SQE128: 1 << 10,
  IORING_SETUP_CQE32: 1 << 11,
  IORING_URING_CMD_FIXED: 1 << 0,
  IORING_CQE_F_BUFFER: 1 << 0,
  IORING_CQE_BUFFER_SHIFT: 16,
  IORING_REGISTER_BUFFERS: 0,
  IORING_REGISTER_FILES: 2,
  IORING_REGISTER_BUFFERS_UPDATE: 16,
} as const;

const WHERE: Readonly<Record<keyof typeof IORING, string>> = {
  IORING_OP_NOP: 'enum io_uring_op', IORING_OP_URING_CMD: 'enum io_uring_op', IORING_OP_READ_FIXED: 'enum io_uring_op',
  IORING_OP_WRITE_FIXED: 'enum io_uring_op', IORING_OP_READ: 'enum io_uring_op', IORING_OP_WRITE: 'enum io_uring_op', IORING_SETUP_SQE128: 'IORING_SETUP_SQE128',
  IORING_SETUP_CQE32: 'IORING_SETUP_CQE32', IORING_URING_CMD_FIXED: 'IORING_URING_CMD_FIXED', IORING_CQE_F_BUFFER: 'IORING_CQE_F_BUFFER',
  IORING_CQE_BUFFER_SHIFT: 'IORING_CQE_BUFFER_SHIFT', IORING_REGISTER_BUFFERS: 'enum io_uring_register_op',
  IORING_REGISTER_FILES: 'enum io_uring_register_op', IORING_REGISTER_BUFFERS_UPDATE: 'enum io_uring_register_op',
};

export const IO_URING_CONSTANTS = (Object.keys(IORING) as (keyof typeof IORING)[]).map((k) => constant(k, IORING[k], `${UAPI}:${WHERE[k]}`));

export const { IORING_OP_NOP, IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_URING_CMD, IORING_SETUP_SQE128, IORING_SETUP_CQE32, IORING_URING_CMD_FIXED, IORING_CQE_F_BUFFER, IORING_CQE_BUFFER_SHIFT, IORING_REGISTER_BUFFERS, IORING_REGISTER_FILES, IORING_REGISTER_BUFFERS_UPDATE } = IORING;
