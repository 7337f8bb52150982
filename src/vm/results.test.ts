// The ttyS1 results channel: frames written by busybox's sh, read back byte for byte; a cut or changed transfer is refused.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { FRAME, ResultsError, SEND_SH, unpackResults } from './results.js';
import { findBusybox } from './tools.js';

const work = mkdtempSync(`${tmpdir()}/furc-results-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));

async function sent(): Promise<string> {
  const busybox = findBusybox()!;
  writeFileSync(`${work}/blob`, bytes);
  writeFileSync(`${work}/status`, '0\n');
  const { stdout } = await execa(busybox, ['sh', '-c', `${SEND_SH}\nsend ${work}/status status\nsend ${work}/blob 'cwd/r 1.json'\necho ${FRAME.done}`]);
  return stdout.replace(/\n/g, '\r\n');
}

describe('results over the second serial port', () => {
  it('should bring back 70000 binary bytes and a status file through busybox base64 with CRLF line ends', async (ctx) => {
    if (!findBusybox()) return ctx.skip('no static busybox: install the Debian package busybox-static');
    const files = unpackResults(await sent());
    expect([...files.keys()]).toEqual(['status', 'cwd/r 1.json']);
    expect(files.get('cwd/r 1.json')!.equals(bytes)).toBe(true);
    expect(files.get('status')!.toString()).toBe('0\n');
  });

  it('should refuse a transfer cut before its end line, and one with a changed base64 character', async (ctx) => {
    if (!findBusybox()) return ctx.skip('no static busybox: install the Debian package busybox-static');
    const text = await sent();
    expect(() => unpackResults(text.slice(0, text.indexOf(FRAME.done)))).toThrow(new ResultsError('no FURC-RESULTS-END line: the guest did not finish sending (2 files arrived)'));
    const at = text.indexOf('\n', text.indexOf('cwd/r 1.json')) + 10;
    const changed = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    expect(() => unpackResults(changed)).toThrow(/^cwd\/r 1\.json arrived with 70000 bytes, sha256 [0-9a-f]{12}…; the guest sent 70000 bytes, [0-9a-f]{12}…$/);
  });
});
