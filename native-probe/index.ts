// Loads the addon, listing every path tried when it is missing (the reason a kernel case SKIPs).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { seaAddon } from './fromSea.js';
import type { NativeProbe } from './native.js';

export type { NativeProbe, RaceState } from './native.js';

const require = createRequire(import.meta.url);
let cached: NativeProbe | string | undefined;

/** The addon, or a one-line reason it could not be loaded. */
export function loadProbe(): NativeProbe | string {
  if (cached !== undefined) return cached;
  const packed = seaAddon<NativeProbe>();
  if (packed !== null) return (cached = packed);
  const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
  const tried: string[] = [];
  for (const rel of ['build/Release/furc_probe.node', 'build/Debug/furc_probe.node']) {
    const p = root + rel;
    try {
      cached = require(p) as NativeProbe;
      return cached;
    } catch (e) {
      // A file that exists but does not load (a stale build, a missing symbol) says why; a missing one just its path.
      const code = (e as NodeJS.ErrnoException).code;
      tried.push(code === 'MODULE_NOT_FOUND' ? p : `${p} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  cached = `native probe not built (run npm install); tried ${tried.join(', ')}`;
  return cached;
}
