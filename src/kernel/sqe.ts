// Builds the 128-byte URING_CMD SQE of a command with the spec codec, for any revision's cmd_req.
import { encode, encodeInto, type Record as Rec } from '../../spec/codec/codec.js';
import type { UringCmdSpec } from '../../spec/model/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { IORING_OP_URING_CMD, IORING_URING_CMD_FIXED } from '../../spec/uapi/io_uring.js';

export interface SqeAddrs { readonly iovArray: bigint; readonly bufpool: bigint }

/** cmd_req fields of `cmd` in the revision's layout; absent fields stay zero. */
export function cmdReq(rev: Revision, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Uint8Array {
  const v: Rec = { flags: cmd.flags ?? 0n, commit_id: commitId, qid: cmd.qid };
  if (rev.id === 'R4') v.init = { flags: cmd.init_flags$R4 ?? 0, queue_depth: cmd.queue_depth ?? 0 };
  if (rev.id === 'R7') { v.queue_depth = cmd.queue_depth ?? 0; v.buf_size = cmd.buf_size ?? 0; }
  if (rev.id === 'R8') {
    if (cmd.bufpool) v.bufpool = { uaddr: addrs.bufpool, len: cmd.bufpool.len, reserved: cmd.bufpool.reserved };
    else if (cmd.ent_zero_copy_buf_index !== undefined) v.ent_zero_copy_buf_index = cmd.ent_zero_copy_buf_index;
  }
  return encode(rev.lookup(rev.cmdReq), v, rev.lookup);
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
