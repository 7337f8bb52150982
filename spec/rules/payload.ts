// How the kernel sizes a ring's payload: max_pages/max_write from INIT, then max_payload_sz.
import type { ConnConfig } from '../conn/commands.js';
import type { AssumptionValues } from '../types.js';
import { FUSE_INIT_FLAG, FUSE_MIN_READ_BUFFER } from '../uapi/fuse_kernel.js';

/** fc->max_pages before INIT: FUSE_DEFAULT_MAX_PAGES_PER_REQ (fs/fuse/fuse_i.h). */
export const FUSE_DEFAULT_MAX_PAGES_PER_REQ = 32;

/** fs/fuse/inode.c:process_init_reply — max_pages only with FUSE_MAX_PAGES, clamped to the limit. */
export function negotiatedMaxPages(init: NonNullable<ConnConfig['init']>, a: AssumptionValues): number {
  if ((init.flags & FUSE_INIT_FLAG.FUSE_MAX_PAGES) === 0n) return FUSE_DEFAULT_MAX_PAGES_PER_REQ;
  const limit = Number(a['kernel.fuse_max_max_pages']);
  return Math.min(limit, Math.max(init.max_pages, 1));
}

/** fs/fuse/inode.c:process_init_reply — max_write is at least 4096. */
export function negotiatedMaxWrite(init: NonNullable<ConnConfig['init']>): number {
  return Math.max(4096, init.max_write);
}

/**
 * How many bytes the server writes for a reply: its answer, then zeros up to payload_sz, never past the ring's max
 * payload (a pool's next buffer); the kernel target, the model and the C reproducers follow it.
 */
export const paddedReplyLength = (answer: number, payloadSz: number, maxPayload: number): number => Math.max(answer, Math.min(payloadSz, maxPayload));

/** fs/fuse/dev_uring.c:fuse_uring_create — max(FUSE_MIN_READ_BUFFER, max_write, max_pages * PAGE_SIZE). */
export function maxPayloadSz(init: NonNullable<ConnConfig['init']>, a: AssumptionValues): number {
  const page = Number(a['kernel.page_size']);
  return Math.max(FUSE_MIN_READ_BUFFER, negotiatedMaxWrite(init), negotiatedMaxPages(init, a) * page);
}
