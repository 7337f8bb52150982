// Brackets kernel work: restore a leftover enable_uring, remember the current one, restore it on any exit.
import { remember, restore, restoreLeftover } from '../kernel/enableUring.js';

export async function withEnableUring<T>(say: (s: string) => void, f: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return f();
  const said = restoreLeftover();
  if (said) say(`furc: ${said}`);
  remember();
  const onSignal = (sig: NodeJS.Signals) => { restore(); process.kill(process.pid, sig); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await f();
  } finally {
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
