// A ring's CQEs as the kernel wrote them, each read through the spec's io_uring_cqe layout.
import type { NativeProbe } from '../../native-probe/index.js';
import { decoder } from '../../spec/codec/codec.js';
import { perRevision, type Revision } from '../../spec/revisions.js';
import { io_uring_cqe } from '../../spec/uapi/io_uring.js';

export interface Cqe { readonly user_data: bigint; readonly res: number; readonly flags: number }

/** The most CQEs one reap takes: a ring of the harness has 64 entries (and twice as many CQEs), so more come next reap. */
export const REAP_MAX = 64;
// One scratch buffer for every reap: each CQE is decoded out of it before the next reap overwrites it.
const scratch = Buffer.alloc(REAP_MAX * io_uring_cqe.size);
const readCqe = perRevision((rev) => decoder(io_uring_cqe, rev.lookup));

/**
 * Waits up to `waitMs` for a CQE of `ring` (set up without IORING_SETUP_CQE32, as every ring here is), then takes what
 * completed: the CQEs, or -errno.
 */
export function reapCqes(p: NativeProbe, rev: Revision, ring: number, waitMs: number): Cqe[] | number {
  const n = p.ringReap(ring, waitMs, scratch);
  if (n <= 0) return n < 0 ? n : [];
  const read = readCqe(rev), out = new Array<Cqe>(n);
  for (let i = 0; i < n; i++) out[i] = read(scratch, i * io_uring_cqe.size) as unknown as Cqe;
  return out;
}
