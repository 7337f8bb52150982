// First REGISTERs on every queue at once, each from its own thread, while a client waits on every CPU.
import type { RaceScenario } from './scenario.js';
import { waitingSlot } from './scenario.js';

export const firstRegister = (shared: boolean): RaceScenario => ({
  id: shared ? 'first-register-shared-ring' : 'first-register',
  title: `REGISTER q0..qN-1 from N threads at once (${shared ? 'one shared ring' : 'a ring each'}), clients waiting on every CPU`,
  aims: 'fuse: fix uring race condition for null dereference of fc (fc->ring seen before ring->fc / nr_queues); ring->ready races (CVE-2026-64588)',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const ts = Array.from({ length: nr }, (_, q) => b.thread(`q${q}`));
    for (let c = 0; c < nr; c++) b.client(null, waitingSlot(c), 'stat', c, `w${c}`);
    ts.forEach((t, q) => { if (!shared || q === 0) b.ringSetup(t, shared ? 0 : q); });
    b.race();
    ts.forEach((t, q) => b.register(t, shared ? 0 : q, q, `r${q}`));
  },
});
