// Splats in a guest's log: which lines count, and which case each is attributed to.
import { describe, expect, it } from 'vitest';
import { SPLAT } from '../kernel/splatPatterns.js';
import { attributeSplats } from './splats.js';

describe('attributeSplats', () => {
  it('should attribute a WARNING to the case marked last before it, and a splat before any marker to none', () => {
    const log = [
      '[    0.500000] BUG: unable to handle page fault for address: 0000000000001000',
      '[    3.000000] furc: case R0 register.qid.out_of_range [R0 register]',
      '[    3.100000] fuse: init (API version 7.38)',
      '[    3.200000] furc: case R0 reply.error.set [R0 reply]',
      '[    3.300000] WARNING: CPU: 1 PID: 412 at fs/fuse/dev_uring.c:123 fuse_uring_commit+0x1/0x2',
      '[    3.400000] INFO: task furc:99 blocked for more than 120 seconds.',
    ].join('\r\n');
    expect(attributeSplats(log)).toEqual([
      { line: 'BUG: unable to handle page fault for address: 0000000000001000', during: null },
      { line: 'WARNING: CPU: 1 PID: 412 at fs/fuse/dev_uring.c:123 fuse_uring_commit+0x1/0x2', during: 'R0 reply.error.set [R0 reply]' },
      { line: 'INFO: task furc:99 blocked for more than 120 seconds.', during: 'R0 reply.error.set [R0 reply]' },
    ]);
  });

  it("should count 'Kernel panic - not syncing' and 'WARNING:' lines, and not 'fuse: init', in the worker's health gate and in attribution alike", () => {
    const lines = ['Kernel panic - not syncing: sysrq triggered crash', 'WARNING: CPU: 0 PID: 7 at fs/fuse/dev_uring.c:123 fuse_uring_commit+0x1/0x2', 'fuse: init (API version 7.45)'];
    // The worker keeps the kmsg lines SPLAT matches (worker.ts: HEALTH).
    expect(lines.filter((l) => SPLAT.test(l))).toEqual(lines.slice(0, 2));
    expect(attributeSplats(lines.join('\n')).map((s) => s.line)).toEqual(lines.slice(0, 2));
  });
});
