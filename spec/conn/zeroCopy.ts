// 7.3 zero-copy: which requests the kernel hands to the server as pages in its buffer table instead of copying them.
import { FUSE_OPCODE } from '../uapi/fuse_kernel.js';
import type { Queue, Request } from './state.js';

const M73 = 'fs/fuse/dev_uring.c (v7.3)';
export const ZERO_COPY_SOURCE = `${M73}:can_zero_copy_req`;

/** can_zero_copy_req(): a queue made with FUSE_URING_ZERO_COPY, args->zero_copy, and page args (READ's out, WRITE's in). */
export const zeroCopied = (q: Queue | undefined, req: Request | undefined): boolean =>
  q !== undefined && req !== undefined && q.mode.zero_copy && req.zero_copy && req.pages;

/** Bytes delivery copies into payload memory: a zero-copied request's pages stay in the table (cs->skip_folio_copy). */
export const copiedIn = (q: Queue | undefined, req: Request): number => (zeroCopied(q, req) ? 0 : req.payload_in);

/** Whether a reply's payload is read from payload memory: not a zero-copied READ's pages (its out_pages). */
export const replyCopied = (q: Queue | undefined, req: Request | undefined): boolean =>
  !(zeroCopied(q, req) && req!.opcode === FUSE_OPCODE.FUSE_READ);

/**
 * fuse_uring_req_has_copyable_payload(): a zero-copied request wants a payload buffer only for args that are not its
 * pages, which of READ/WRITE is WRITE's fuse_write_out; any other request when it has payload or reply bytes.
 */
export const wantsBuffer = (q: Queue | undefined, req: Request): boolean =>
  zeroCopied(q, req) ? req.opcode === FUSE_OPCODE.FUSE_WRITE && req.reply_size > 0 : req.payload_in > 0 || req.reply_size > 0;
