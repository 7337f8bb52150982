// The server dies with entries in every state: available, being delivered to, in userspace, committing.
import { REPLY_ERROR } from '../build.js';
import type { RaceScenario } from './scenario.js';
import { programSlot } from './scenario.js';

export const serverExitStates: RaceScenario = {
  id: 'server-exit-every-state',
  title: 'server exit (rings and /dev/fuse closed) racing a COMMIT of a delivered request and a new client request, two entries on queue 0',
  aims: 'UAF in fuse_uring_async_stop_queues (CVE-2026-64261); commit id findable before the copy (CVE-2026-64259); entries in FUSE_REQ/COMMIT at teardown',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const owner = b.thread('owner');
    const starter = b.thread('client');
    const killer = b.thread('server-exit');
    b.ringSetup(owner, 0);
    const spare = b.register(owner, 0, 0, 'r0.a');
    const busy = b.register(owner, 0, 0, 'r0.b');
    for (let q = 1; q < nr; q++) b.register(owner, 0, q, `r${q}`);
    b.client(owner, programSlot(nr), 'stat', 0, 'c0');
    const got = b.awaitAnyDelivery(owner, [spare, busy]);
    b.race();
    b.commit(owner, got, REPLY_ERROR, 'k0');
    b.client(starter, programSlot(nr, 1), 'stat', 0, 'c1');
    b.serverExit(killer);
  },
};
