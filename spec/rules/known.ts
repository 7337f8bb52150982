// Kernel builds that answer otherwise than the spec for a reason the public record names: their cases are XFAIL there.
import type { KnownDifference } from './types.js';

// Seen under furc vm on Debian's 6.17.13 and 7.1.3 (data.background.release): answering a RELEASE brings nothing more.
export const BG_DISPATCH_FIX: KnownDifference = {
  observed: 'RELEASEs delivered by each COMMIT: flush.0 1, flush.1 1, flush.2 0, flush.3 0, release.0 0',
  kernels: 'seen on 6.17.13 and 7.1.3; 6.18.44, 7.2.12 and 7.3.4 have the fix (the 2026 stable batch of 6.18.39 and 7.1.4, not checked per build)',
  why: 'a finished ring background request freed its slot in fuse_request_end(), which flushes the /dev/fuse background queue, not the ring queue\'s, so the next waiting RELEASE stayed in the ring\'s bg list; fixed by "fuse: fix io-uring background queue dispatch on request completion"',
  link: 'https://lore.kernel.org/r/20260408172510.52950-1-joannelkoong@gmail.com',
};
