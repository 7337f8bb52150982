// COMMIT_AND_FETCH of a delivered request racing the close of the ring it goes through.
import { REPLY_ERROR } from '../build.js';
import type { RaceScenario } from './scenario.js';
import { programSlot } from './scenario.js';

export const commitVsRingExit: RaceScenario = {
  id: 'commit-vs-ring-exit',
  title: 'COMMIT_AND_FETCH of a delivered request (owner thread) racing another thread closing the shared ring',
  aims: 'queue->stopped races (CVE-2026-64260); UAF in fuse_uring_async_stop_queues (CVE-2026-64261); fix moving cancelled entry to ent_in_userspace',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const owner = b.thread('owner');
    const closer = b.thread('ring-exit');
    b.ringSetup(owner, 0);
    const es = Array.from({ length: nr }, (_, q) => b.register(owner, 0, q, `r${q}`));
    b.client(owner, programSlot(nr), 'stat', 0, 'c0');
    b.awaitDelivery(owner, es[0]!);
    b.race();
    b.commit(owner, es[0]!, REPLY_ERROR, 'k0');
    b.ringExit(closer, 0);
  },
};
