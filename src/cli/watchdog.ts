// A hard bound on a whole command: past it, restore what we changed, kill the kernel worker and exit with TIMEOUT.
import { endRun } from './kernelRun.js';
import { TIME_SCALE } from '../kernel/timeScale.js';

export function watchdog(unscaled: number, what: string, onFire: () => void, err: (s: string) => void): () => void {
  const seconds = Math.round(unscaled * TIME_SCALE);
  const t = setTimeout(() => {
    err(`furc: TIMEOUT: ${what} still running after ${seconds} s; worker killed, enable_uring restored`);
    onFire();
    endRun();
    process.exit(1);
  }, seconds * 1000);
  t.unref();
  return () => clearTimeout(t);
}
