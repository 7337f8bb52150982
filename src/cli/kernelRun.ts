// Brackets kernel work: this run registers as a user of fuse.enable_uring; the last run out restores what the first found.
import { loadProbe } from '../../native-probe/index.js';
import { RunLock } from '../kernel/paramLock.js';

let current: RunLock | null = null;

export async function withEnableUring<T>(say: (s: string) => void, f: () => Promise<T>): Promise<T> {
  const p = loadProbe();
  // A run with kernel cases turned off never touches the switch, nor holds up another run's restoring it.
  if (process.getuid?.() !== 0 || typeof p === 'string' || process.env.FURC_NO_KERNEL === '1') return f();
  const lock = new RunLock(p);
  current = lock;
  if (lock.restored) say(`furc: ${lock.restored}`);
  const onSignal = (sig: NodeJS.Signals) => { endRun(); process.kill(process.pid, sig); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await f();
  } finally {
    endRun();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Ends this run's share now (a watchdog about to exit the process); a no-op outside withEnableUring. */
export function endRun(): void {
  const l = current;
  current = null;
  l?.end();
}
