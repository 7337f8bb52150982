// Loads the addon, listing every path tried when it is missing (the reason a kernel case SKIPs).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeProbe } from './native.js';

export type { NativeProbe } from './native.js';

const require = createRequire(import.meta.url);
let cached: NativeProbe | string | undefined;

/** The addon, or a one-line reason it could not be loaded. */
export function loadProbe(): NativeProbe | string {
  if (cached !== undefined) return cached;
  const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
  const tried: string[] = [];
  for (const rel of ['build/Release/furc_probe.node', 'build/Debug/furc_probe.node']) {
    const p = root + rel;
    tried.push(p);
    try {
      cached = require(p) as NativeProbe;
      return cached;
    } catch { /* next */ }
  }
  cached = `native probe not built (run npm install); tried ${tried.join(', ')}`;
  return cached;
}
