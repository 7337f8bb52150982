// The layout probe against hand-written headers: no drift, moved fields and constants, and settled assumptions.
import { describe, expect, it } from 'vitest';
import { revision } from '../../spec/revisions.js';
import { main } from '../cli/main.js';
import { headerReport } from './headerProbe.js';

const H = (n: string) => new URL(`../../fixtures/headers/${n}`, import.meta.url).pathname;

describe('layout probe', () => {
  it('should report no drift for a header that matches R0', async () => {
    expect((await headerReport(H('r0.h'), revision('R0'))).drift).toEqual([]);
  });

  it('should report qid at 18 instead of 16 and FUSE_OVER_IO_URING at bit 42', async () => {
    const d = (await headerReport(H('r0-drift.h'), revision('R0'))).drift;
    expect(d).toContain('bad-field-offset: fuse_uring_cmd_req.qid: spec=16 header=18');
    expect(d).toContain('bad-const: FUSE_OVER_IO_URING: spec=0x20000000000 header=0x40000000000');
  });

  it('should replace the R7 flag assumptions with the header values (PINNED_HEADERS 0x4, PINNED_BUFFERS 0x2)', async () => {
    const o = (await headerReport(H('r7.h'), revision('R7'))).overrides;
    expect(o['r7.flag.FUSE_URING_PINNED_HEADERS']).toBe(4n);
    expect(o['r7.flag.FUSE_URING_PINNED_BUFFERS']).toBe(2n);
    const rebuilt = revision('R7', o);
    expect(rebuilt.constants.find((c) => c.name === 'FUSE_URING_PINNED_HEADERS')?.value).toBe(4n);
  });

  it('should exit 1 with drift lines from furc layout, and 2 with one line for a missing header', async () => {
    const out: string[] = [], err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await main(['layout', '--header', H('r0-drift.h'), '--revision', 'R0'], io)).toBe(1);
    expect(out.join('\n')).toContain('bad-field-offset: fuse_uring_cmd_req.qid: spec=16 header=18');
    expect(await main(['layout', '--header', '/nonexistent/fuse.h'], io)).toBe(2);
    expect(err).toEqual(['furc: header not found: /nonexistent/fuse.h']);
  });
});
