// How a queue's payload buffers (R4/R7 buffer rings, R8 pools) are handed to requests, per revision: the policy is data
// on the Revision (bufferPolicy), so a revision with another rule changes only spec/.
import type { Entry, Queue, Request } from './state.js';

export type BufferPolicyId = 'lowest_free_keep';

export interface BufferPolicy {
  /** The buffer `req` gets in `e`: the one `e` kept, a free one, null (no buffer wanted), or 'none' (all busy: it waits). */
  select(q: Queue, e: Entry, req: Request): number | null | 'none';
  /** `e` has committed its request and is about to take the next one: keep its buffer for it, or give it back. */
  afterCommit(q: Queue, e: Entry): void;
}

/** A request with neither payload bytes nor reply args gets no buffer (fuse_uring_req_has_copyable_payload). */
export const wantsBuffer = (req: Request): boolean => req.payload_in > 0 || req.reply_size > 0;

export function release(q: Queue, e: Entry): void {
  if (e.buf_id !== null) { q.busyBufs.delete(e.buf_id); e.buf_id = null; }
}

/**
 * R8 (7.3 fuse_uring_select_buffer / fuse_uring_next_req_update_buffer): the lowest free id (find_first_bit); an entry
 * keeps its buffer from delivery through commit and into its next request when that one wants a buffer too.
 */
const lowestFreeKeep: BufferPolicy = {
  select(q, e, req) {
    const m = q.mode;
    if (!m.bufring && m.payload !== 'pool') return null;
    if (!wantsBuffer(req)) return null;
    if (e.buf_id !== null) return e.buf_id;
    for (let b = 0; b < m.nr_bufs; b++) {
      if (!q.busyBufs.has(b)) { q.busyBufs.add(b); e.buf_id = b; return b; }
    }
    return 'none';
  },
  afterCommit() { /* kept: released only when the next request wants none, or none comes */ },
};

export const BUFFER_POLICIES: Readonly<Record<BufferPolicyId, BufferPolicy>> = { lowest_free_keep: lowestFreeKeep };
