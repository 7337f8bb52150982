// Run-wide set-up: the test run registers as a user of fuse.enable_uring; the last run out restores what the first found.
import { loadProbe } from '../../native-probe/index.js';
import { RunLock } from '../../src/kernel/paramLock.js';

export default function setup(): () => void {
  const p = loadProbe();
  // FURC_NO_KERNEL=1: no kernel case runs, so the run must not hold the machine's enable_uring lock either.
  if (process.env.FURC_NO_KERNEL === '1' || process.getuid?.() !== 0 || typeof p === 'string') return () => undefined;
  const lock = new RunLock(p);
  if (lock.restored) console.log(`furc: ${lock.restored}`);
  return () => lock.end();
}
