// How a command's fields fill a revision's fuse_uring_cmd_req beyond flags, commit_id and qid (the Revision's cmdReqFields).
import type { Record as Rec } from '../codec/codec.js';
import type { UringCmdSpec } from './commands.js';

/** Addresses the harness chose for what a command points at (the ADD_BUFPOOL pool). */
export interface CmdAddrs { readonly bufpool: bigint }

export type CmdReqFields = (cmd: UringCmdSpec, addrs: CmdAddrs) => Rec;

/** R0: the cmd_req carries nothing else. */
export const noExtraFields: CmdReqFields = () => ({});

/** R4: the init word (flags and queue depth) at offset 18. */
export const initWordR4: CmdReqFields = (cmd) => ({ init: { flags: cmd.init_flags$R4 ?? 0, queue_depth: cmd.queue_depth ?? 0 } });

/** R7: the buffer ring's queue depth and buffer size. */
export const ringSizesR7: CmdReqFields = (cmd) => ({ queue_depth: cmd.queue_depth ?? 0, buf_size: cmd.buf_size ?? 0 });

/** R8: one arm of the union: ADD_BUFPOOL's pool, else REGISTER's zero-copy buffer index when given. */
export const unionR8: CmdReqFields = (cmd, addrs): Rec => {
  if (cmd.bufpool) return { bufpool: { uaddr: addrs.bufpool, len: cmd.bufpool.len, reserved: cmd.bufpool.reserved } };
  return cmd.ent_zero_copy_buf_index !== undefined ? { ent_zero_copy_buf_index: cmd.ent_zero_copy_buf_index } : {};
};
