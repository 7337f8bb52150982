// Kernel splats in a guest's log, each attributed to the case whose marker (`furc: case …`) came last before it.
import { SPLAT } from '../kernel/splatPatterns.js';

export { SPLAT };
export const CASE_MARK = /furc: case (.+)$/;

export interface Splat { readonly line: string; readonly during: string | null }

export function attributeSplats(log: string): Splat[] {
  let during: string | null = null;
  const out: Splat[] = [];
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '').replace(/^\[\s*\d+\.\d+\]\s*/, '');
    const m = CASE_MARK.exec(line);
    if (m) { during = m[1]!.trim(); continue; }
    if (SPLAT.test(line)) out.push({ line: line.trim(), during });
  }
  return out;
}
