// jsonText: bigints as decimal strings in reports and as 0x-hex in spec output, negative ones included.
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../spec/errno.js';
import { jsonText } from './json.js';

describe('jsonText', () => {
  it('should write 2^64-1 as "18446744073709551615" by default and as "0xffffffffffffffff" in hex', () => {
    expect(JSON.parse(jsonText({ commit_id: 2n ** 64n - 1n }))).toEqual({ commit_id: '18446744073709551615' });
    expect(JSON.parse(jsonText({ commit_id: 2n ** 64n - 1n }, 'hex'))).toEqual({ commit_id: '0xffffffffffffffff' });
  });

  it('should write the assumed errno -EOPNOTSUPP (-95n) as "-0x5f", not "0x-5f"', () => {
    expect(JSON.parse(jsonText([-BigInt(ERRNO.EOPNOTSUPP)], 'hex'))).toEqual(['-0x5f']);
  });
});
