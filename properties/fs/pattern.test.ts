// The file pattern: any slice of it, whether a view of the table or a copy, is the bytes at those offsets one by one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMismatch, PATTERN_LEN, patternBytes } from '../../spec/fs/pattern.js';

const byteAt = (seed: number, off: number) => patternBytes(seed, off, 1)[0]!;

describe('patternBytes', () => {
  it('should give, for 131072 bytes from offset PATTERN_LEN-7 (across the table\'s wrap), byte i of the file at offset +i', () => {
    const off = PATTERN_LEN - 7;
    const got = patternBytes(3, off, 131072);
    for (const i of [0, 6, 7, 8, 4095, 131071]) expect(got[i], `byte ${i}`).toBe(byteAt(3, off + i));
  });

  it('should give a slice longer than the table (PATTERN_LEN+4096 bytes) equal to two shorter slices end to end', () => {
    const long = patternBytes(5, 100, PATTERN_LEN + 4096);
    expect(long.length).toBe(PATTERN_LEN + 4096);
    expect(Buffer.from(long.subarray(0, PATTERN_LEN)).equals(Buffer.from(patternBytes(5, 100, PATTERN_LEN)))).toBe(true);
    expect(Buffer.from(long.subarray(PATTERN_LEN)).equals(Buffer.from(patternBytes(5, 100 + PATTERN_LEN, 4096)))).toBe(true);
  });

  it('should agree with itself at every offset and seed (fast-check): bytes i..i+n of a slice are the slice from i', () => {
    fc.assert(fc.property(fc.nat(7), fc.nat(4 * PATTERN_LEN), fc.nat(70000), fc.nat(70000), (seed, off, n, i) => {
      const whole = patternBytes(seed, off, n + i);
      expect(Buffer.from(whole.subarray(i)).equals(Buffer.from(patternBytes(seed, off + i, n)))).toBe(true);
    }), { numRuns: 200 });
  });

  it('should find 64 KiB read back from offset 12345 intact (-1), and a byte changed at 4096 a copy of it, not the table', () => {
    const data = Buffer.from(patternBytes(2, 12345, 65536));
    expect(firstMismatch(2, 12345, data)).toBe(-1);
    data[4096] = data[4096]! ^ 0xff;
    expect(firstMismatch(2, 12345, data)).toBe(4096);
    expect(firstMismatch(2, 12345, patternBytes(2, 12345, 65536))).toBe(-1);
  });
});
