// 7.3's ADD_QUEUE then REGISTER on every queue, racing a fusectl abort.
import type { RaceScenario } from './scenario.js';
import { waitingSlot } from './scenario.js';

export const addQueueVsAbort: RaceScenario = {
  id: 'add-queue-vs-abort',
  title: 'ADD_QUEUE then REGISTER on q0..qN-1 (a thread and ring each) racing a fusectl abort, a client waiting on CPU 0',
  aims: 'fuse-uring: check connection abort during ring creation; queue->stopped races (CVE-2026-64260) on the 7.3 queue set-up path',
  revisions: ['R8'],
  build(b, nr) {
    const ts = Array.from({ length: nr }, (_, q) => b.thread(`q${q}`));
    const killer = b.thread('abort');
    // One waiting client: each more multiplies the orderings by the number of places it can start.
    b.client(null, waitingSlot(0), 'stat', 0, 'w0');
    ts.forEach((t, q) => b.ringSetup(t, q));
    b.race();
    ts.forEach((t, q) => { b.addQueue(t, q, q, `a${q}`); b.register(t, q, q, `r${q}`); });
    b.abort(killer);
  },
};
