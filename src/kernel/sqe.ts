// Builds the 128-byte URING_CMD SQE of a command with the spec codec, for any revision's cmd_req.
import { CodecError, encode, encoder, type Record as Rec } from '../../spec/codec/codec.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import { perRevision, type Revision } from '../../spec/revisions.js';
import { IORING_OP_URING_CMD, IORING_URING_CMD_FIXED } from '../../spec/uapi/io_uring.js';

export interface SqeAddrs { readonly iovArray: bigint; readonly bufpool: bigint }

const SQE = 'io_uring_sqe$uring_cmd';

/** The values of the revision's cmd_req of `cmd`: flags, commit_id, qid, and the fields its cmdReqFields maps. */
const cmdReqValues = (rev: Revision, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Rec =>
  ({ flags: cmd.flags ?? 0n, commit_id: commitId, qid: cmd.qid, ...rev.cmdReqFields(cmd, addrs) });

/** The revision's cmd_req of `cmd`; the rest stays zero. */
export function cmdReq(rev: Revision, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Uint8Array {
  return encode(rev.lookup(rev.cmdReq), cmdReqValues(rev, cmd, commitId, addrs), rev.lookup);
}

// Once per revision: the SQE's and the cmd_req's layouts, and where the cmd bytes start (checked to hold the cmd_req).
const sqeLayouts = perRevision((rev) => {
  const sqe = rev.lookup(SQE), req = rev.lookup(rev.cmdReq);
  const at = sqe.fields.find((f) => f.name === 'cmd')!;
  if (at.type.kind !== 'bytes' || req.size > at.type.size) throw new CodecError(`${SQE}.cmd: ${req.name} (${req.size} bytes) does not fit`);
  return { size: sqe.size, writeSqe: encoder(sqe, rev.lookup), writeReq: encoder(req, rev.lookup), cmdAt: at.offset };
});

// SQEs are cut from zeroed slabs: a fresh 128-byte ArrayBuffer costs more than the whole encoding, and zeroing a slice
// of Node's pool was a call into V8's runtime (TypedArray fill). ringSubmit copies an SQE, so no slab is written twice.
const SLAB = 8192;
let slab = Buffer.alloc(SLAB), slabUsed = 0;
function zeroed(size: number): Buffer {
  if (slabUsed + size > SLAB) { slab = Buffer.alloc(SLAB); slabUsed = 0; }
  return slab.subarray(slabUsed, (slabUsed += size));
}

export function uringCmdSqe(rev: Revision, fd: number, userData: bigint, cmd: UringCmdSpec, commitId: bigint, addrs: SqeAddrs): Buffer {
  const { size, writeSqe, writeReq, cmdAt } = sqeLayouts(rev);
  const out = zeroed(size);
  writeSqe({
    opcode: IORING_OP_URING_CMD, fd, cmd_op: cmd.cmd_op, addr: addrs.iovArray, len: cmd.sqe_len ?? (cmd.iov ? cmd.iov.length : 0),
    uring_cmd_flags: cmd.fixed ? IORING_URING_CMD_FIXED : 0, user_data: userData, buf_index: cmd.buf_index ?? 0,
  }, out, 0);
  // The cmd_req goes straight into the SQE's cmd bytes, as the kernel reads it (io_uring_sqe_cmd).
  writeReq(cmdReqValues(rev, cmd, commitId, addrs), out, cmdAt);
  return out;
}
