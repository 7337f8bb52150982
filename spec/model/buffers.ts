// How a queue's payload buffers (R4/R7 buffer rings, R8 pools) are handed to requests, per revision: the policy is data
// on the Revision (bufferPolicy), so a revision with another rule changes only spec/.
import type { Entry, Queue, Request } from '../conn/state.js';
import type { BufferPolicyId, BufferReport } from '../revisions.js';
import { wantsBuffer } from '../conn/zeroCopy.js';

export interface BufferPolicy {
  /** The buffer `req` gets in `e`: the one `e` kept, a free one, null (no buffer wanted), or 'none' (all busy: it waits). */
  select(q: Queue, e: Entry, req: Request): number | null | 'none';
  /** `e` has committed its request and is about to take the next one: keep its buffer for it, or give it back. */
  afterCommit(q: Queue, e: Entry): void;
}


/**
 * The free ids of a buffer-ring queue, head first: a ring hands out its head and takes a recycled buffer at its tail (the
 * April dev_uring_i.h's struct fuse_bufring { nbufs, head, tail, bufs[] }; the io_uring ring behind R4, spec audit B3).
 * It starts as 0..nr_bufs-1 in order (r4.kmbuf.fill_order, r7.bufring.fill_order).
 */
const rings = new WeakMap<Queue, number[]>();

function ringOf(q: Queue): number[] {
  let r = rings.get(q);
  if (!r) {
    r = Array.from({ length: q.mode.nr_bufs }, (_, b) => b).filter((b) => !q.busyBufs.has(b));
    rings.set(q, r);
  }
  return r;
}

/** `e` gives its buffer back: free again, and at the tail of its ring on a buffer-ring queue. */
export function release(q: Queue, e: Entry): void {
  if (e.buf_id === null) return;
  q.busyBufs.delete(e.buf_id);
  rings.get(q)?.push(e.buf_id);
  e.buf_id = null;
}

/**
 * R8 (7.3 fuse_uring_select_buffer / fuse_uring_next_req_update_buffer): the lowest free id (find_first_bit); an entry
 * keeps its buffer from delivery through commit and into its next request when that one wants a buffer too.
 */
const lowestFreeKeep: BufferPolicy = {
  select(q, e, req) {
    const m = q.mode;
    if (!m.bufring && m.payload !== 'pool') return null;
    if (!wantsBuffer(q, req)) return null;
    if (e.buf_id !== null) return e.buf_id;
    for (let b = 0; b < m.nr_bufs; b++) {
      if (!q.busyBufs.has(b)) { q.busyBufs.add(b); e.buf_id = b; return b; }
    }
    return 'none';
  },
  afterCommit() { /* kept: released only when the next request wants none, or none comes */ },
};

/** A buffer-ring queue's choice: the entry's kept buffer, else the ring's head; none free: the request waits. */
function selectFromRing(q: Queue, e: Entry, req: Request): number | null | 'none' {
  if (!q.mode.bufring || !wantsBuffer(q, req)) return null;
  if (e.buf_id !== null) return e.buf_id;
  const b = ringOf(q).shift();
  if (b === undefined) return 'none';
  q.busyBufs.add(b);
  e.buf_id = b;
  return b;
}

/**
 * R4 (Dec-2025 v2 25/25 doc, 002:47-48 and 59-61): "fuse will select a buffer from the ring if there is any payload that needs to be copied";
 * on COMMIT_AND_FETCH, "if there is a next request, it will reuse the same selected buffer for the request. If there is no
 * next request, it will recycle the buffer back to the ring". A next request with nothing to copy gives it back too.
 */
const ringKeep: BufferPolicy = { select: selectFromRing, afterCommit() { /* kept for the next request */ } };

/**
 * R7 (April doc): payload buffers are "selected on demand, recycled after each request"; its flow is fuse_uring_commit()
 * → fuse_uring_recycle_buffer() → fuse_uring_get_next_fuse_req(), so the next request takes the ring's head afresh.
 */
const ringRecycle: BufferPolicy = { select: selectFromRing, afterCommit: release };

export const BUFFER_POLICIES: Readonly<Record<BufferPolicyId, BufferPolicy>> = {
  lowest_free_keep: lowestFreeKeep, ring_keep: ringKeep, ring_recycle: ringRecycle,
};

/**
 * Where a delivery reports its buffer: R4 in the CQE (IORING_CQE_F_BUFFER with the id above IORING_CQE_BUFFER_SHIFT,
 * 002:52-54: Event.buf_id), R7 in the header's ent_in_out.buf_id (April doc: DeliveredReq.buf_id), R8 in the header's
 * ent_in_out.offset of a pool queue (DeliveredReq.offset). A request without a buffer reports none.
 */
export function bufferPlacement(report: BufferReport, q: Queue, buf: number | null): { cqe: { buf_id?: number }; req: { buf_id?: number; offset?: number } } {
  if (report === 'ent_in_out.offset') return { cqe: {}, req: q.mode.payload === 'pool' ? { offset: buf === null ? 0 : buf * q.mode.buf_size } : {} };
  if (buf === null || report === 'none') return { cqe: {}, req: {} };
  return report === 'cqe_flags' ? { cqe: { buf_id: buf }, req: {} } : { cqe: {}, req: { buf_id: buf } };
}
