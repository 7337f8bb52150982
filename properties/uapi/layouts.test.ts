// Every layout of every revision: codec round trip, ordered non-overlapping fields, declared size and alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, fieldSize, type Record as Rec, type Value } from '../../spec/codec/codec.js';
import { allRevisions, type Revision } from '../../spec/revisions.js';
import type { Field, Layout } from '../../spec/types.js';

const SEED = Number(process.env.FURC_SEED ?? 20261121);

function arbRecord(l: Layout, rev: Revision): fc.Arbitrary<Rec> {
  // Union arms overlap, so a round trip is only defined for one arm at a time: use fields without an arm plus the first arm.
  const firstArm = l.fields.find((f) => f.arm)?.arm;
  const shape: { [k: string]: fc.Arbitrary<Value> } = {};
  for (const f of l.fields.filter((x) => !x.arm || x.arm === firstArm)) shape[f.name] = arbField(f, rev);
  return fc.record(shape);
}

function arbField(f: Field, rev: Revision): fc.Arbitrary<Value> {
  switch (f.type.kind) {
    case 'bytes': return fc.uint8Array({ minLength: f.type.size, maxLength: f.type.size });
    case 'struct': return arbRecord(rev.lookup(f.type.layout), rev);
    case 'scalar':
      switch (f.type.scalar) {
        case 'u8': case 'bool': return fc.integer({ min: 0, max: 0xff });
        case 'u16': return fc.integer({ min: 0, max: 0xffff });
        case 'u32': return fc.nat({ max: 0xffffffff });
        case 'i32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
        case 'u64': return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
        case 'i64': return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
      }
  }
}

const seen = new Set<string>();
const cases = allRevisions().flatMap((rev) => rev.layouts.filter((l) => !seen.has(l.name) && seen.add(l.name)).map((l) => [l.name, l, rev] as const));

describe.each(cases)('layout %s', (_name, l, rev) => {
  it(`should round-trip any value through encode/decode in ${l.size} bytes`, () => {
    fc.assert(fc.property(arbRecord(l, rev), (v) => {
      const bytes = encode(l, v, rev.lookup);
      expect(bytes.length).toBe(l.size);
      const back = decode(l, bytes, rev.lookup);
      for (const k of Object.keys(v)) expect(back[k]).toEqual(v[k]);
    }), { seed: SEED, numRuns: 50 });
  });

  it(`should have increasing, non-overlapping, naturally aligned fields inside ${l.size} bytes`, () => {
    let end = 0;
    let unionEnd = 0;
    for (const f of l.fields) {
      const size = fieldSize(f, rev.lookup);
      const align = f.type.kind === 'struct' ? rev.lookup(f.type.layout).align : f.type.kind === 'bytes' ? 1 : size;
      expect(f.offset % align, `${f.name} misaligned`).toBe(0);
      if (f.arm) {
        expect(f.offset, `${f.name} overlaps a non-union field`).toBeGreaterThanOrEqual(end);
        unionEnd = Math.max(unionEnd, f.offset + size);
      } else {
        expect(f.offset, `${f.name} overlaps its predecessor`).toBeGreaterThanOrEqual(Math.max(end, unionEnd));
        end = f.offset + size;
      }
    }
    expect(Math.max(end, unionEnd)).toBeLessThanOrEqual(l.size);
    expect(l.size % l.align).toBe(0);
  });
});

describe('golden sizes from the UAPI', () => {
  const r0 = allRevisions()[0]!;
  it.each([
    ['fuse_uring_cmd_req', 24], ['fuse_uring_req_header', 288], ['fuse_uring_ent_in_out', 32], ['fuse_in_header', 40],
    ['fuse_out_header', 16], ['fuse_init_in', 64], ['fuse_init_out', 64], ['io_uring_sqe$uring_cmd', 128],
  ] as const)('should give %s a size of %d bytes', (name, size) => expect(r0.lookup(name).size).toBe(size));

  it('should place the URING_CMD command area at SQE offset 48 and ring_ent_in_out at header offset 256', () => {
    expect(r0.lookup('io_uring_sqe$uring_cmd').fields.find((f) => f.name === 'cmd')?.offset).toBe(48);
    expect(r0.lookup('fuse_uring_req_header').fields.find((f) => f.name === 'ring_ent_in_out')?.offset).toBe(256);
  });

  it('should give the 7.3 cmd_req 40 bytes with the union at 24', () => {
    const r8 = allRevisions()[3]!.lookup('fuse_uring_cmd_req$R8');
    expect(r8.size).toBe(40);
    expect(r8.fields.filter((f) => f.offset === 24).map((f) => f.name).sort()).toEqual(['bufpool', 'ent_zero_copy_buf_index']);
  });
});
