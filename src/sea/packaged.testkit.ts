// The executable `npm run package` writes, built once when it is missing or older than dist/ and the addon.
import { execa } from 'execa';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../paths.js';
import { defaultBinary } from '../vm/standalone.js';

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Path of a packed executable no older than what goes into it (scripts/package.mjs: ~35 s on two cores). */
export async function packaged(): Promise<string> {
  const bin = defaultBinary();
  const inputs = Math.max(...['dist/src', 'dist/spec', 'dist/fuzz', 'dist/native-probe', 'build/Release', 'fixtures/golden'].map((d) => newest(`${ROOT}${d}`)));
  if (!existsSync(bin) || statSync(bin).mtimeMs < inputs) await execa(process.execPath, [`${ROOT}scripts/package.mjs`], { stdio: 'inherit' });
  return bin;
}
