// A ring's CQEs read through the spec's io_uring_cqe layout, REAP_MAX at a time.
import { describe, expect, it } from 'vitest';
import { loadProbe } from '../../native-probe/index.js';
import { encode } from '../../spec/codec/codec.js';
import { ERRNO } from '../../spec/errno.js';
import { revision } from '../../spec/revisions.js';
import { IORING_OP_NOP } from '../../spec/uapi/io_uring.js';
import { REAP_MAX, reapCqes } from './cqes.js';

const probe = loadProbe();
const p = typeof probe === 'string' ? null : probe;
const R0 = revision('R0');

describe.skipIf(p === null)('reapCqes', () => {
  it(`should take the CQEs of 100 NOPs (user_data 500..599) as ${REAP_MAX} and then 36, in order, and then none within 1 ms`, () => {
    const ring = p!.ringSetup(128, 0);
    expect(ring).toBeGreaterThanOrEqual(0);
    try {
      const nop = (ud: bigint) => Buffer.from(encode(R0.lookup('io_uring_sqe$rw'), { opcode: IORING_OP_NOP, user_data: ud }, R0.lookup)).subarray(0, 64);
      for (let i = 0; i < 100; i++) expect(p!.ringSubmit(ring, nop(500n + BigInt(i)), false)).toBe(1);
      const first = reapCqes(p!, R0, ring, 1000), second = reapCqes(p!, R0, ring, 1000);
      if (typeof first === 'number' || typeof second === 'number') throw new Error(`reap: ${String(first)} ${String(second)}`);
      expect([first.length, second.length]).toEqual([REAP_MAX, 100 - REAP_MAX]);
      expect([...first, ...second].map((c) => c.user_data)).toEqual(Array.from({ length: 100 }, (_, i) => 500n + BigInt(i)));
      expect([...first, ...second].every((c) => c.res === 0 && c.flags === 0)).toBe(true);
      expect(reapCqes(p!, R0, ring, 1)).toEqual([]);
    } finally { p!.ringClose(ring); }
  });

  it('should answer -EBADF (a negative number, not rows) for an fd ringSetup did not make', () => {
    expect(reapCqes(p!, R0, 987654, 0)).toBe(-ERRNO.EBADF);
  });
});
