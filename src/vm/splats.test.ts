import { describe, expect, it } from 'vitest';
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
});
