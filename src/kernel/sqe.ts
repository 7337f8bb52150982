// Builds the 128-byte URING_CMD SQE of a command with the spec codec, for any revision's cmd_req.
import { encode, encodeInto, type Record as Rec } from '../../spec/codec/codec.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { IORING_OP_URING_CMD, IORING_URING_CMD_FIXED } from '../../spec/uapi/io_uring.js';

export interface SqeAddrs { readonly iovArray: bigint; readonly bufpool: bigint }

/** cmd_req fields of `cmd` that the revision's layout has (R4's init word, R7's sizes, R8's union); absent ones stay zero. */
export function cmdReq(rev: Revision, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Uint8Array {
  const layout = rev.lookup(rev.cmdReq);
  const has = new Set(layout.fields.map((f) => f.name));
  const v: Rec = { flags: cmd.flags ?? 0n, commit_id: commitId, qid: cmd.qid };
  if (has.has('init')) v.init = { flags: cmd.init_flags$R4 ?? 0, queue_depth: cmd.queue_depth ?? 0 };
  if (has.has('queue_depth')) v.queue_depth = cmd.queue_depth ?? 0;
  if (has.has('buf_size')) v.buf_size = cmd.buf_size ?? 0;
  if (has.has('bufpool') && cmd.bufpool) v.bufpool = { uaddr: addrs.bufpool, len: cmd.bufpool.len, reserved: cmd.bufpool.reserved };
  else if (has.has('ent_zero_copy_buf_index') && cmd.ent_zero_copy_buf_index !== undefined) v.ent_zero_copy_buf_index = cmd.ent_zero_copy_buf_index;
  return encode(layout, v, rev.lookup);
}

export function uringCmdSqe(rev: Revision, fd: number, userData: bigint, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Buffer {
  const sqe = Buffer.alloc(128);
  encodeInto(rev.lookup('io_uring_sqe$uring_cmd'), {
    opcode: IORING_OP_URING_CMD, fd, cmd_op: cmd.cmd_op, addr: addrs.iovArray, len: cmd.sqe_len ?? (cmd.iov ? cmd.iov.length : 0),
    uring_cmd_flags: cmd.fixed ? IORING_URING_CMD_FIXED : 0, user_data: userData, buf_index: cmd.buf_index ?? 0,
    cmd: cmdReq(rev, cmd, commitId, addrs),
  }, sqe, 0, rev.lookup);
  return sqe;
}
