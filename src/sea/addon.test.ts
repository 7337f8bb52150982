// The packed executable's addon loader, outside the executable: bytes in, a loaded module out, nothing left on disk.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddonBytes } from '../../native-probe/fromSea.js';
import type { NativeProbe } from '../../native-probe/native.js';
import { ROOT } from '../paths.js';
import { ERRNO } from '../../spec/errno.js';

const work = mkdtempSync(`${tmpdir()}/furc-addon-test-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bytes = () => readFileSync(`${ROOT}build/Release/furc_probe.node`);

describe('loadAddonBytes', () => {
  it('should load build/Release/furc_probe.node from its bytes, answer open("/nonexistent") with -ENOENT, and remove its temporary directory', () => {
    const p = loadAddonBytes<NativeProbe>(bytes(), [work]);
    if (typeof p === 'string') throw new Error(p);
    expect(p.open('/nonexistent', 0)).toBe(-ERRNO.ENOENT);
    expect(readdirSync(work)).toEqual([]);
  });

  it('should try the next directory when one cannot be written, and name every one it tried when none works', () => {
    expect(typeof loadAddonBytes<NativeProbe>(bytes(), ['/nonexistent/dir', work])).toBe('object');
    const why = loadAddonBytes<NativeProbe>(Buffer.from('not an ELF'), [work]);
    expect(why).toMatch(new RegExp(`^cannot load the native probe packed in this executable; tried ${work} \\(.*\\)$`));
    expect(readdirSync(work)).toEqual([]);
  });
});
