// Where the codec puts each field's bytes, checked against Node's own little-endian writers at the table's offsets.
import { describe, expect, it } from 'vitest';
import { CodecError, decode, decoder, encode, encodeInto, encoder, type Record as Rec } from '../../spec/codec/codec.js';
import { allRevisions, revision } from '../../spec/revisions.js';
import type { Layout, Scalar } from '../../spec/types.js';
import { FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';

/** A value of every byte distinct, so a field written at the wrong offset or width shows. */
const SAMPLE: { readonly [S in Scalar]: number | bigint } = {
  u8: 0xa5, bool: 1, u16: 0xb1b2, u32: 0xc1c2c3c4, i32: -0x3c3d3e3f, u64: 0xd1d2d3d4d5d6d7d8n, i64: -0x1e2e3e4e5e6e7e8fn,
};

function expectedBytes(size: number, at: number, s: Scalar, v: number | bigint): Buffer {
  const b = Buffer.alloc(size);
  switch (s) {
    case 'u8': case 'bool': b.writeUInt8(Number(v), at); break;
    case 'u16': b.writeUInt16LE(Number(v), at); break;
    case 'u32': b.writeUInt32LE(Number(v), at); break;
    case 'i32': b.writeInt32LE(Number(v), at); break;
    case 'u64': b.writeBigUInt64LE(BigInt(v), at); break;
    case 'i64': b.writeBigInt64LE(BigInt(v), at); break;
  }
  return b;
}

/** Every scalar of a layout, nested ones included: its path of field names and its absolute offset. */
function scalars(l: Layout, lookup: (n: string) => Layout, at = 0, path: string[] = []): { path: string[]; at: number; s: Scalar }[] {
  return l.fields.flatMap((f) => f.type.kind === 'scalar' ? [{ path: [...path, f.name], at: at + f.offset, s: f.type.scalar }]
    : f.type.kind === 'struct' ? scalars(lookup(f.type.layout), lookup, at + f.offset, [...path, f.name]) : []);
}

const nest = (path: string[], v: number | bigint): Rec => path.reduceRight<Rec | number | bigint>((inner, k) => ({ [k]: inner }), v) as Rec;
const dig = (r: Rec, path: string[]): unknown => path.reduce<unknown>((x, k) => (x as Rec)[k], r);

const seen = new Set<string>();
const cases = allRevisions().flatMap((rev) => rev.layouts.filter((l) => !seen.has(l.name) && seen.add(l.name)).map((l) => [l.name, l, rev] as const));

describe.each(cases)('layout %s', (_name, l, rev) => {
  it('should write each scalar alone at its table offset, little-endian, and read it back from there', () => {
    for (const { path, at, s } of scalars(l, rev.lookup)) {
      const bytes = encode(l, nest(path, SAMPLE[s]), rev.lookup);
      expect(Buffer.from(bytes).equals(expectedBytes(l.size, at, s, SAMPLE[s])), `${path.join('.')} at ${at}`).toBe(true);
      expect(dig(decode(l, expectedBytes(l.size, at, s, SAMPLE[s]), rev.lookup), path)).toEqual(SAMPLE[s]);
    }
  });
});

describe('the codec on fuse_in_header', () => {
  const R0 = revision('R0');
  const inH = R0.lookup('fuse_in_header');

  it('should leave the bytes of absent fields as they were (0xee) when it writes only opcode FUSE_GETATTR at base 8', () => {
    const out = new Uint8Array(8 + inH.size).fill(0xee);
    encodeInto(inH, { opcode: FUSE_OPCODE.FUSE_GETATTR }, out, 8, R0.lookup);
    const opcode = inH.fields.find((f) => f.name === 'opcode')!.offset;
    const want = Buffer.alloc(8 + inH.size, 0xee);
    want.writeUInt32LE(FUSE_OPCODE.FUSE_GETATTR, 8 + opcode);
    expect(Buffer.from(out).equals(want)).toBe(true);
  });

  it('should decode at base 8 what sits 8 bytes in (unique 0x1122334455667788)', () => {
    const unique = inH.fields.find((f) => f.name === 'unique')!.offset;
    const b = Buffer.alloc(8 + inH.size);
    b.writeBigUInt64LE(0x1122334455667788n, 8 + unique);
    expect(decode(inH, b, R0.lookup, 8).unique).toBe(0x1122334455667788n);
  });

  it('should refuse a string for opcode, naming fuse_in_header.opcode', () => {
    expect(() => encode(inH, { opcode: 'x' as unknown as number }, R0.lookup)).toThrow(new CodecError('fuse_in_header.opcode: expected an integer'));
  });

  it('should read and write a header in a view 24 bytes into a larger buffer there, leaving the bytes around the view as they were', () => {
    const backing = new Uint8Array(24 + inH.size + 24).fill(0xee);
    const view = backing.subarray(24, 24 + inH.size);
    encodeInto(inH, { opcode: FUSE_OPCODE.FUSE_GETATTR, unique: 0x1122334455667788n }, view, 0, R0.lookup);
    expect(decode(inH, view, R0.lookup)).toMatchObject({ opcode: FUSE_OPCODE.FUSE_GETATTR, unique: 0x1122334455667788n });
    expect([...backing.subarray(0, 24), ...backing.subarray(24 + inH.size)].every((b) => b === 0xee)).toBe(true);
  });

  it('should write opcode alone into a 4-byte view from a base before the view, and refuse unique there (outside the 4 bytes), writing nothing past the view', () => {
    const opcode = inH.fields.find((f) => f.name === 'opcode')!.offset;
    const backing = new Uint8Array(inH.size).fill(0xee);
    const view = backing.subarray(opcode, opcode + 4);
    encodeInto(inH, { opcode: FUSE_OPCODE.FUSE_GETATTR }, view, -opcode, R0.lookup);
    expect(Buffer.from(view).readUInt32LE(0)).toBe(FUSE_OPCODE.FUSE_GETATTR);
    expect(() => encodeInto(inH, { unique: 1n }, view, -opcode, R0.lookup)).toThrow(CodecError);
    expect([...backing.subarray(0, opcode), ...backing.subarray(opcode + 4)].every((b) => b === 0xee)).toBe(true);
  });

  it('should decode each of six buffers used in turn (a b c d e a e c f b a) as its own bytes: the four views kept never answer for another', () => {
    const unique = inH.fields.find((f) => f.name === 'unique')!.offset;
    const bufs = [1n, 2n, 3n, 4n, 5n, 6n].map((u) => { const b = Buffer.alloc(inH.size); b.writeBigUInt64LE(u, unique); return b; });
    const order = [0, 1, 2, 3, 4, 0, 4, 2, 5, 1, 0];
    expect(order.map((i) => decode(inH, bufs[i]!, R0.lookup).unique)).toEqual(order.map((i) => BigInt(i + 1)));
  });

  it('should give one compiled decoder and encoder per layout and registry: the same function twice, reading and writing as decode and encodeInto do', () => {
    expect(decoder(inH, R0.lookup)).toBe(decoder(inH, R0.lookup));
    expect(encoder(inH, R0.lookup)).toBe(encoder(inH, R0.lookup));
    const values = { len: 40, opcode: FUSE_OPCODE.FUSE_GETATTR, unique: 0x1122334455667788n, nodeid: 1n, uid: 0, gid: 0, pid: 4321 };
    const viaHandle = Buffer.alloc(inH.size + 8), viaCall = Buffer.alloc(inH.size + 8);
    encoder(inH, R0.lookup)(values, viaHandle, 8);
    encodeInto(inH, values, viaCall, 8, R0.lookup);
    expect(viaHandle).toEqual(viaCall);
    expect(decoder(inH, R0.lookup)(viaHandle, 8)).toEqual(decode(inH, viaCall, R0.lookup, 8));
    expect(() => decoder(inH, R0.lookup)(viaHandle, 9)).toThrow(new CodecError(`fuse_in_header: need ${inH.size} bytes, got ${inH.size - 1}`));
  });

  it(`should refuse ${inH.size - 1} bytes, one short of the header`, () => {
    expect(() => decode(inH, new Uint8Array(inH.size - 1), R0.lookup)).toThrow(new CodecError(`fuse_in_header: need ${inH.size} bytes, got ${inH.size - 1}`));
  });
});

describe('the codec on bytes and nested fields', () => {
  const R0 = revision('R0');
  const sqe = R0.lookup('io_uring_sqe$uring_cmd');
  const cmd = sqe.fields.find((f) => f.name === 'cmd')!;
  const size = cmd.type.kind === 'bytes' ? cmd.type.size : 0;

  it(`should refuse ${size + 1} bytes for the ${size}-byte cmd, naming it`, () => {
    expect(() => encode(sqe, { cmd: new Uint8Array(size + 1) }, R0.lookup)).toThrow(new CodecError(`io_uring_sqe$uring_cmd.cmd: ${size + 1} bytes do not fit in ${size}`));
  });

  it('should refuse a number where a nested record goes, naming the field', () => {
    const hdr = R0.lookup(R0.reqHeader);
    const nested = hdr.fields.find((f) => f.type.kind === 'struct')!;
    expect(() => encode(hdr, { [nested.name]: 7 }, R0.lookup)).toThrow(new CodecError(`${hdr.name}.${nested.name}: expected a record`));
  });
});
