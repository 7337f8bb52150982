// The addon packed in the single executable: written to a private temporary file, loaded, and the file removed at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { getAsset, isSea } from 'node:sea';

/** Asset name of the addon in the executable (scripts/package.mjs packs build/Release/furc_probe.node under it). */
export const ADDON_ASSET = 'furc_probe.node';

/**
 * Loads a .node image from its bytes, trying each directory in turn (dlopen fails on a noexec mount); a loaded
 * library stays mapped after its file is unlinked, so nothing is left on disk. Returns the reason when every one fails.
 */
export function loadAddonBytes<T>(bytes: Uint8Array, dirs: readonly string[] = [tmpdir(), '/dev/shm', dirname(process.execPath)]): T | string {
  const tried: string[] = [];
  for (const d of dirs) {
    let dir: string | undefined;
    try {
      dir = mkdtempSync(`${d}/furc-addon-`);
      const file = `${dir}/${ADDON_ASSET}`;
      writeFileSync(file, bytes, { mode: 0o700 });
      const m = { exports: {} as T };
      process.dlopen(m, file);
      return m.exports;
    } catch (e) {
      tried.push(`${d} (${(e as Error).message.split('\n')[0]})`);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
  return `cannot load the native probe packed in this executable; tried ${tried.join(', ')}`;
}

/** The packed addon (or why it cannot load) inside the single executable; null in an npm install. */
export function seaAddon<T>(): T | string | null {
  return isSea() ? loadAddonBytes<T>(new Uint8Array(getAsset(ADDON_ASSET))) : null;
}
