// A client request arriving while the thread that owns every available entry exits: task work cancelled mid-delivery.
import type { RaceScenario } from './scenario.js';
import { programSlot } from './scenario.js';

export const deliveryVsThreadExit: RaceScenario = {
  id: 'delivery-vs-owner-exit',
  title: 'a client request (stat on CPU 0) racing the exit of the thread that registered every entry (ring ready)',
  aims: 'fuse: end fuse_req on io-uring cancel task work (the caller sat in D state, the request stayed hashed); remove request-less entries from ent_w_req_queue',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const owner = b.thread('owner');
    const starter = b.thread('client');
    b.ringSetup(owner, 0);
    for (let q = 0; q < nr; q++) b.register(owner, 0, q, `r${q}`);
    b.race();
    b.exit(owner);
    b.client(starter, programSlot(nr), 'stat', 0, 'c0');
  },
};
