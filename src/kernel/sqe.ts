// Builds the 128-byte URING_CMD SQE of a command with the spec codec, for any revision's cmd_req.
import { encode, encodeInto } from '../../spec/codec/codec.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { IORING_OP_URING_CMD, IORING_URING_CMD_FIXED } from '../../spec/uapi/io_uring.js';

export interface SqeAddrs { readonly iovArray: bigint; readonly bufpool: bigint }

/** The revision's cmd_req of `cmd`: flags, commit_id, qid, and the fields its cmdReqFields maps; the rest stays zero. */
export function cmdReq(rev: Revision, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Uint8Array {
  return encode(rev.lookup(rev.cmdReq), { flags: cmd.flags ?? 0n, commit_id: commitId, qid: cmd.qid, ...rev.cmdReqFields(cmd, addrs) }, rev.lookup);
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
