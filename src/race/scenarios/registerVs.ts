// REGISTER on every queue racing a connection teardown: a fusectl abort, an umount, or the server's exit.
import type { RaceBuild } from '../build.js';
import type { RaceScenario } from './scenario.js';
import { waitingSlot } from './scenario.js';

export type Teardown = 'abort' | 'umount' | 'server-exit';

const act = (b: RaceBuild, t: number, what: Teardown): void => {
  if (what === 'abort') b.abort(t);
  else if (what === 'umount') b.umount(t);
  else b.serverExit(t);
};

export const registerVs = (what: Teardown): RaceScenario => ({
  id: `register-vs-${what}`,
  title: `REGISTER q0..qN-1 (a thread and ring each) racing ${what === 'abort' ? 'a fusectl abort' : what === 'umount' ? 'umount2(MNT_DETACH)' : 'the server closing its rings and /dev/fuse'}, clients waiting`,
  aims: 'fuse: fix race between registration and connection abortion (umount hung unkillably in wait_event(stop_waitq); now -ECONNABORTED); fuse-uring: check connection abort during ring creation',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    const ts = Array.from({ length: nr }, (_, q) => b.thread(`q${q}`));
    const killer = b.thread(what);
    for (let c = 0; c < nr; c++) b.client(null, waitingSlot(c), 'stat', c, `w${c}`);
    ts.forEach((t, q) => b.ringSetup(t, q));
    b.race();
    ts.forEach((t, q) => b.register(t, q, q, `r${q}`));
    act(b, killer, what);
  },
});
