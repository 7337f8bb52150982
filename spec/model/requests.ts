// What each client operation sends: opcode, payload to the server, reply size the kernel expects.
import { match } from 'ts-pattern';
import type { ClientOp } from './commands.js';
import { FUSE_OPCODE } from '../uapi/fuse_kernel.js';

export interface RequestShape {
  readonly opcode: number;
  /** Bytes of in-args after the first (which goes to op_in): the payload the server reads. */
  readonly payload_in: number;
  readonly reply_size: number;
  readonly reply_argvar: boolean;
  /** Page-backed args (in_pages or out_pages): what can_zero_copy_req() looks at. */
  readonly pages: boolean;
}

export function requestShape(op: ClientOp, size = 4096): RequestShape {
  return match(op)
    .with('stat', () => ({ opcode: FUSE_OPCODE.FUSE_GETATTR, payload_in: 0, reply_size: 104, reply_argvar: false, pages: false }))
    .with('read', () => ({ opcode: FUSE_OPCODE.FUSE_READ, payload_in: 0, reply_size: size, reply_argvar: true, pages: true }))
    .with('write', () => ({ opcode: FUSE_OPCODE.FUSE_WRITE, payload_in: size, reply_size: 8, reply_argvar: false, pages: true }))
    .exhaustive();
}
