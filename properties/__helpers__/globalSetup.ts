// Run-wide set-up: restore an enable_uring left by an interrupted run, remember it, restore it at the end.
import { remember, restore, restoreLeftover } from '../../src/kernel/enableUring.js';

export default function setup(): () => void {
  if (process.getuid?.() !== 0) return () => undefined;
  const said = restoreLeftover();
  if (said) console.log(`furc: ${said}`);
  remember();
  return () => restore();
}
