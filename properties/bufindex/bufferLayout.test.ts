// Buffer-index layouts: no shared slots, header slots inside the headers region, sparse slots iff ZERO_COPY.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { bufferLayout, HEADER_SZ, type BufferParams } from '../../spec/bufindex.js';
import { revision } from '../../spec/revisions.js';
import { REVISIONS } from '../../spec/types.js';
import { readHeader } from '../../src/layout/headerProbe.js';

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
  const model = revision(rev).queueModel;
  // Zero-copy exists where the revision's UAPI names it.
  const zeroCopy = revision(rev).constants.some((c) => c.name === 'FUSE_URING_ZERO_COPY');

  it('should never give two roles the same fixed-buffer slot', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const idx = bufferLayout(model, p).fixed.map((s) => s.index);
      expect(new Set(idx).size).toBe(idx.length);
    }), { seed: SEED });
  });

  it('should keep every shared header slot inside the headers region', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const l = bufferLayout(model, p);
      for (const h of l.headerSlots.filter((x) => x.region === 'headers')) expect(h.offset + HEADER_SZ).toBeLessThanOrEqual(l.headersRegionSize);
      expect(new Set(l.headerSlots.map((h) => `${h.region}:${h.entry}:${h.offset}`)).size).toBe(l.headerSlots.length);
    }), { seed: SEED });
  });

  it('should register sparse slots iff the queue is ZERO_COPY and the revision defines FUSE_URING_ZERO_COPY (R0 does not)', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const sparse = bufferLayout(model, p).fixed.some((s) => s.sparse);
      expect(sparse).toBe(zeroCopy && p.zero_copy);
    }), { seed: SEED });
  });

  it('should cut payload buffers that do not overlap and fit the payload region', () => {
    fc.assert(fc.property(arbParams, (p) => {
      const l = bufferLayout(model, p);
      l.payload.forEach((b, i) => {
        expect(b.id).toBe(i);
        expect(b.offset + b.size).toBeLessThanOrEqual(p.payload_size);
        if (i > 0) expect(b.offset).toBe(l.payload[i - 1]!.offset + l.payload[i - 1]!.size);
      });
    }), { seed: SEED });
  });
});

// The doc patches are the oracle: each test quotes the sentence it reads, over any queue depth, and header offsets are
// multiples of sizeof(struct fuse_uring_req_header) as a compiler reads it from a kernel's uapi fuse.h.
const KERNEL_FUSE_H = `${process.env.FURC_KSRC ?? '/var/cache/furc/src/linux-source-7.2'}/include/uapi/linux/fuse.h`;
const depth = fc.integer({ min: 1, max: 64 });
const zc = (queue_depth: number, buf_indices?: number[]): BufferParams => ({
  queue_depth, bufring: true, zero_copy: true, headers_size: (queue_depth + 1) * HEADER_SZ, payload_size: 0, buf_size: 4096, max_payload_sz: 131072,
  ...(buf_indices ? { buf_indices } : {}),
});

describe('slot positions the Dec-2025 doc (seed 002) and the April doc state', () => {
  // 002:71-74: "a sparse buffer for every entry in the queue. This is where the client's pages will reside" and
  // "a fixed buffer at index queue_depth (tailing the sparse buffer). This is where the headers will reside".
  it('should put R4 zero-copy headers at fixed index queue_depth, after one sparse slot per entry, for any queue depth', () => {
    fc.assert(fc.property(depth, (qd) => {
      const l = bufferLayout(revision('R4').queueModel, zc(qd));
      expect(l.fixed.filter((s) => s.role === 'headers').map((s) => s.index)).toEqual([qd]);
      expect(l.fixed.filter((s) => s.sparse).map((s) => s.index).sort((a, b) => a - b)).toEqual([...Array(qd).keys()]);
    }), { seed: SEED });
  });

  // 002:39: "a fixed buffer at index 0. This is where the headers will reside".
  it('should put R4 headers at fixed index 0 and register nothing else without zero-copy, for any queue depth', () => {
    fc.assert(fc.property(depth, (qd) => {
      expect(bufferLayout(revision('R4').queueModel, { ...zc(qd), zero_copy: false }).fixed).toEqual([{ index: 0, role: 'headers', sparse: false }]);
    }), { seed: SEED });
  });

  // 002:50-51: headers go "at the buffer id that corresponds to the server (which the server needs to specify through
  // sqe->buf_index)"; the April doc: "ent N header slot (sqe->buf_index=N)". Any distinct ids, in any order.
  it('should place each R4 and R7 entry header at its buf_index times sizeof(struct fuse_uring_req_header) read from a kernel fuse.h', async (ctx) => {
    if (!existsSync(KERNEL_FUSE_H)) return ctx.skip(`no kernel uapi header at ${KERNEL_FUSE_H} (FURC_KSRC names a kernel tree)`);
    const size = Number((await readHeader(KERNEL_FUSE_H, revision('R0'))).get('size fuse_uring_req_header'));
    fc.assert(fc.property(depth.chain((qd) => fc.tuple(fc.constant(qd), fc.shuffledSubarray([...Array(qd).keys()], { minLength: qd, maxLength: qd }))), ([qd, ids]) => {
      for (const rev of ['R4', 'R7'] as const) {
        expect(bufferLayout(revision(rev).queueModel, zc(qd, ids)).headerSlots).toEqual(ids.map((id, entry) => ({ entry, region: 'headers', offset: id * size })));
      }
    }), { seed: SEED });
  });

  // 002:79: the client's pages go to "the sparse buffer entry corresponding to the ent in the queue", the entry's buf_index.
  it('should register an R4 zero-copy entry of buf_index 5 at sparse fixed index 5', () => {
    expect(bufferLayout(revision('R4').queueModel, zc(8, [5, 0])).fixed.find((s) => s.entry === 0)).toEqual({ index: 5, role: 'zero_copy_pages', sparse: true, entry: 0 });
  });

  // Spec audit B1: v4 never bounds buf_index, so a server's buf_index 8 on a queue_depth-8 zero-copy queue lands on the headers.
  it('should let an R4 zero-copy entry with buf_index 8 on a queue_depth-8 queue share fixed index 8 with the headers buffer', () => {
    const l = bufferLayout(revision('R4').queueModel, zc(8, [0, 1, 2, 3, 4, 5, 6, 8]));
    expect(l.fixed.filter((s) => s.index === 8).map((s) => s.role).sort()).toEqual(['headers', 'zero_copy_pages']);
  });
});
