// The bytes of every file the harness serves: a fixed pseudo-random table indexed by (seed, offset), so a misplaced
// or shifted page cannot match. native-probe/src/clientPool.cc computes the same table for the clients.

/** Prime: no page-sized shift maps the table onto itself. */
export const PATTERN_LEN = 1048573;

const TABLE: Uint8Array = (() => {
  // Twice the table, so any slice up to PATTERN_LEN bytes is one subarray.
  const t = new Uint8Array(2 * PATTERN_LEN);
  let x = 0x9e3779b9;
  for (let i = 0; i < PATTERN_LEN; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    t[i] = x >>> 24;
  }
  t.copyWithin(PATTERN_LEN, 0, PATTERN_LEN);
  return t;
})();

const start = (seed: number, off: number) => Number((BigInt(off) + BigInt(seed) * 7919n) % BigInt(PATTERN_LEN));

/** n bytes of pattern `seed` from file offset `off`: up to PATTERN_LEN of them are a view of the table, never to be written. */
export function patternBytes(seed: number, off: number, n: number): Uint8Array {
  let at = start(seed, off), done = 0;
  // A server answers a 128 KiB READ with these: a view spares a copy as long as the answer itself.
  if (n <= PATTERN_LEN) return TABLE.subarray(at, at + n);
  const out = new Uint8Array(n);
  while (done < n) {
    const k = Math.min(n - done, PATTERN_LEN);
    out.set(TABLE.subarray(at, at + k), done);
    done += k;
    at = (at + k) % PATTERN_LEN;
  }
  return out;
}

/** Index of the first byte of `data` (from file offset `off`) that is not pattern `seed`'s, or -1. */
export function firstMismatch(seed: number, off: number, data: Uint8Array): number {
  const want = patternBytes(seed, off, data.length);
  if (Buffer.from(want.buffer, want.byteOffset, want.length).equals(Buffer.from(data.buffer, data.byteOffset, data.length))) return -1;
  for (let i = 0; i < data.length; i++) if (data[i] !== want[i]) return i;
  return -1;
}
