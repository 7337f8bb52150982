// A COMMIT_AND_FETCH from a thread that does not own the ring's entries, racing the owner thread's exit.
import { REPLY_ERROR } from '../build.js';
import type { RaceScenario } from './scenario.js';
import { programSlot } from './scenario.js';

export const commitVsThreadExit: RaceScenario = {
  id: 'foreign-commit-vs-owner-exit',
  title: 'COMMIT_AND_FETCH from a non-owner thread on the shared ring racing the exit of the thread that registered every entry',
  aims: 'libfuse #1443 (commits from threads other than the ring owner); fuse: end fuse_req on io-uring cancel task work',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const owner = b.thread('owner');
    const other = b.thread('committer');
    b.ringSetup(owner, 0);
    const es = Array.from({ length: nr }, (_, q) => b.register(owner, 0, q, `r${q}`));
    b.client(owner, programSlot(nr), 'stat', 0, 'c0');
    b.awaitDelivery(owner, es[0]!);
    b.race();
    b.exit(owner);
    b.commit(other, es[0]!, REPLY_ERROR, 'k0');
  },
};
