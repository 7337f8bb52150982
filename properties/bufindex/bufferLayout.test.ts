// Buffer-index layouts: no shared slots, header slots inside the headers region, sparse slots iff ZERO_COPY.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferLayout, HEADER_SZ, type BufferParams } from '../../spec/bufindex.js';
import { REVISIONS } from '../../spec/types.js';

const SEED = Number(process.env.FURC_SEED ?? 20261121);

const arbParams: fc.Arbitrary<BufferParams> = fc.record({
  queue_depth: fc.integer({ min: 1, max: 64 }),
  bufring: fc.boolean(),
  zero_copy: fc.boolean(),
  buf_size: fc.integer({ min: 4096, max: 1 << 20 }),
  max_payload_sz: fc.constantFrom(131072, 1 << 20),
  extraHeaders: fc.nat({ max: 4096 }),
  nbufs: fc.integer({ min: 0, max: 16 }),
  registered_index: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  order: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
}).map(({ extraHeaders, nbufs, order, ...p }) => ({
  ...p,
  // A zero-copy queue is always a buffer-ring queue (R4/R7 validity); keep the generator inside the valid set.
  bufring: p.bufring || p.zero_copy,
  headers_size: p.queue_depth * HEADER_SZ + extraHeaders,
  payload_size: nbufs * p.buf_size,
  // R8 zero-copy indices are chosen by the server; distinct ones above the pool's index.
  zc_indices: Array.from({ length: p.queue_depth }, (_, i) => 101 + i),
  // R4/R7 buf_index per entry: a well-behaved server's distinct ids below queue_depth, in any order.
  buf_indices: Array.from({ length: p.queue_depth }, (_, i) => i).sort((x, y) => order[x]! - order[y]! || x - y),
}));

describe.each(REVISIONS)('buffer-index layout of %s', (rev) => {
  it('should never give two roles the same fixed-buffer slot', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const idx = bufferLayout(rev, p).fixed.map((s) => s.index);
      expect(new Set(idx).size).toBe(idx.length);
    }), { seed: SEED });
  });

  it('should keep every shared header slot inside the headers region', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const l = bufferLayout(rev, p);
      for (const h of l.headerSlots.filter((x) => x.region === 'headers')) expect(h.offset + HEADER_SZ).toBeLessThanOrEqual(l.headersRegionSize);
      expect(new Set(l.headerSlots.map((h) => `${h.region}:${h.entry}:${h.offset}`)).size).toBe(l.headerSlots.length);
    }), { seed: SEED });
  });

  it('should register sparse slots iff the queue is ZERO_COPY (and never in R0)', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const sparse = bufferLayout(rev, p).fixed.some((s) => s.sparse);
      expect(sparse).toBe(rev !== 'R0' && p.zero_copy);
    }), { seed: SEED });
  });

  it('should cut payload buffers that do not overlap and fit the payload region', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const l = bufferLayout(rev, p);
      l.payload.forEach((b, i) => {
        expect(b.id).toBe(i);
        expect(b.offset + b.size).toBeLessThanOrEqual(p.payload_size);
        if (i > 0) expect(b.offset).toBe(l.payload[i - 1]!.offset + l.payload[i - 1]!.size);
      });
    }), { seed: SEED });
  });
});

describe('documented slot positions', () => {
  const p: BufferParams = { queue_depth: 8, bufring: true, zero_copy: true, headers_size: 8 * HEADER_SZ, payload_size: 0, buf_size: 4096, max_payload_sz: 131072 };
  it('should put R4 zero-copy headers at fixed index queue_depth (8) and client pages at 0..7', () => {
    const l = bufferLayout('R4', p);
    expect(l.fixed.find((s) => s.role === 'headers')?.index).toBe(8);
    expect(l.fixed.filter((s) => s.sparse).map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
  it('should put R4 headers at fixed index 0 without zero-copy', () => {
    expect(bufferLayout('R4', { ...p, zero_copy: false }).fixed).toEqual([{ index: 0, role: 'headers', sparse: false }]);
  });
  it('should place R7 entry 3 header at 3 × 288 = 864 in the headers iovec', () => {
    expect(bufferLayout('R7', p).headerSlots[3]).toEqual({ entry: 3, region: 'headers', offset: 864 });
  });
  it('should place the header and the sparse slot of an entry registered with buf_index 5 at 5 × 288 = 1440 and fixed index 5', () => {
    const l = bufferLayout('R4', { ...p, buf_indices: [5, 0] });
    expect(l.headerSlots[0]).toEqual({ entry: 0, region: 'headers', offset: 1440 });
    expect(l.fixed.find((s) => s.entry === 0)).toEqual({ index: 5, role: 'zero_copy_pages', sparse: true, entry: 0 });
  });
  // Spec audit B1: v4 never bounds buf_index, so a server's buf_index 8 on a queue_depth-8 zero-copy queue lands on the headers.
  it('should let an R4 zero-copy entry with buf_index 8 on a queue_depth-8 queue share fixed index 8 with the headers buffer', () => {
    const l = bufferLayout('R4', { ...p, buf_indices: [0, 1, 2, 3, 4, 5, 6, 8] });
    expect(l.fixed.filter((s) => s.index === 8).map((s) => s.role).sort()).toEqual(['headers', 'zero_copy_pages']);
  });
});
