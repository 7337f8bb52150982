// One generic little-endian codec driven by the layout tables; no per-struct serialisation.
import type { Field, Layout, Scalar } from '../types.js';

export type Value = number | bigint | boolean | Uint8Array | Record;
export interface Record { [field: string]: Value }

/** Resolves a nested layout by name (each revision supplies its own registry). */
export type LayoutLookup = (name: string) => Layout;

export const SCALAR_SIZE: { readonly [S in Scalar]: number } = {
  u8: 1, u16: 2, u32: 4, u64: 8, i32: 4, i64: 8, bool: 1,
};

export function fieldSize(f: Field, lookup: LayoutLookup): number {
  switch (f.type.kind) {
    case 'scalar': return SCALAR_SIZE[f.type.scalar];
    case 'bytes': return f.type.size;
    case 'struct': return lookup(f.type.layout).size;
  }
}

export class CodecError extends Error {}

/** A field of `len` bytes at `at` that does not lie inside the `size` bytes being written. */
function outside(name: string, at: number, len: number, size: number): never {
  throw new CodecError(`${name}: bytes ${at}..${at + len} are outside the ${size} written`);
}

function writeScalar(dv: DataView, off: number, s: Scalar, v: Value | undefined, name: string): void {
  const isWide = s === 'u64' || s === 'i64';
  if (v === undefined) v = isWide ? 0n : 0;
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (isWide) {
    if (typeof v !== 'bigint' && typeof v !== 'number') throw new CodecError(`${name}: expected an integer`);
    // setBigUint64/setBigInt64 take the value modulo 2^64 themselves (ToBigUint64, ToBigInt64): no asUintN copy first.
    const b = typeof v === 'bigint' ? v : BigInt(v);
    if (s === 'u64') dv.setBigUint64(off, b, true);
    else dv.setBigInt64(off, b, true);
    return;
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError(`${name}: expected an integer`);
  const n = Number(v);
  switch (s) {
    case 'u8': case 'bool': dv.setUint8(off, n & 0xff); break;
    case 'u16': dv.setUint16(off, n & 0xffff, true); break;
    case 'u32': dv.setUint32(off, n >>> 0, true); break;
    case 'i32': dv.setInt32(off, n | 0, true); break;
  }
}

/**
 * Each layout is compiled once per registry into a function whose object literal and DataView calls are its field
 * table, offsets and widths: the generic loop built a record key by key and looked nested layouts up on every call
 * (2.3 µs to read an entry's header: about 4 of the 9 µs a request took in npm run bench on one CPU).
 */
type Decoder = (dv: DataView, bytes: Uint8Array, base: number, o: number) => Record;
type Encoder = (dv: DataView, out: Uint8Array, values: Record, base: number, o: number, whole: boolean) => void;
interface Compiled { decode?: Decoder; encode?: Encoder; decodeFn?: DecodeFn; encodeFn?: EncodeFn }
const compiled = new WeakMap<LayoutLookup, WeakMap<Layout, Compiled>>();

function compiledOf(layout: Layout, lookup: LayoutLookup): Compiled {
  let byLayout = compiled.get(lookup);
  if (!byLayout) compiled.set(lookup, (byLayout = new WeakMap()));
  let c = byLayout.get(layout);
  if (!c) byLayout.set(layout, (c = {}));
  return c;
}

const READ: { readonly [S in Scalar]: (at: string) => string } = {
  u8: (at) => `dv.getUint8(${at})`, bool: (at) => `dv.getUint8(${at})`, u16: (at) => `dv.getUint16(${at}, true)`,
  u32: (at) => `dv.getUint32(${at}, true)`, i32: (at) => `dv.getInt32(${at}, true)`,
  u64: (at) => `dv.getBigUint64(${at}, true)`, i64: (at) => `dv.getBigInt64(${at}, true)`,
};

function decoderOf(layout: Layout, lookup: LayoutLookup): Decoder {
  const c = compiledOf(layout, lookup);
  if (c.decode) return c.decode;
  const nested: Decoder[] = [];
  const parts = layout.fields.map((f) => {
    const at = `b + ${f.offset}`;
    switch (f.type.kind) {
      case 'scalar': return `${JSON.stringify(f.name)}: ${READ[f.type.scalar](`o + ${at}`)}`;
      case 'bytes': return `${JSON.stringify(f.name)}: bytes.slice(${at}, ${at} + ${f.type.size})`;
      case 'struct': nested.push(decoderOf(lookup(f.type.layout), lookup)); return `${JSON.stringify(f.name)}: nested[${nested.length - 1}](dv, bytes, ${at}, o)`;
    }
  });
  // The source is built from the layout table alone: names quoted by JSON.stringify, offsets and sizes numbers.
  c.decode = new Function('nested', `return (dv, bytes, b, o) => ({ ${parts.join(', ')} });`)(nested) as Decoder;
  return c.decode;
}

function encoderOf(layout: Layout, lookup: LayoutLookup): Encoder {
  const c = compiledOf(layout, lookup);
  if (c.encode) return c.encode;
  const nested: Encoder[] = [];
  const body = layout.fields.map((f) => {
    const key = JSON.stringify(f.name), where = JSON.stringify(`${layout.name}.${f.name}`), at = `b + ${f.offset}`;
    const write = ((): string => {
      switch (f.type.kind) {
        // The view spans the whole buffer: a layout not wholly inside `out` (a partial write) has each field checked.
        case 'scalar': return `if (!whole && (${at} < 0 || ${at} + ${SCALAR_SIZE[f.type.scalar]} > out.length)) outside(${where}, ${at}, ${SCALAR_SIZE[f.type.scalar]}, out.length); put(dv, o + ${at}, ${JSON.stringify(f.type.scalar)}, v, ${where});`;
        case 'bytes': return `bytesInto(out, ${at}, ${f.type.size}, v, ${where});`;
        case 'struct': nested.push(encoderOf(lookup(f.type.layout), lookup)); return `nested[${nested.length - 1}](dv, out, record(v, ${where}), ${at}, o, whole);`;
      }
    })();
    return `if (${key} in values) { const v = values[${key}]; ${write} }`;
  });
  c.encode = new Function('nested', 'put', 'bytesInto', 'record', 'outside', `return (dv, out, values, b, o, whole) => { ${body.join(' ')} };`)(nested, writeScalar, bytesInto, record, outside) as Encoder;
  return c.encode;
}

function bytesInto(out: Uint8Array, off: number, size: number, v: Value | undefined, name: string): void {
  if (!(v instanceof Uint8Array)) throw new CodecError(`${name}: expected bytes`);
  if (v.length > size) throw new CodecError(`${name}: ${v.length} bytes do not fit in ${size}`);
  out.set(v, off);
}

function record(v: Value | undefined, name: string): Record {
  if (typeof v !== 'object' || v instanceof Uint8Array) throw new CodecError(`${name}: expected a record`);
  return v;
}

/**
 * Views of the four buffers used last, each over the whole buffer, most recent first: a request's CQE scratch, its
 * header region and the slab its SQE is cut from come back request after request, and constructing a DataView is a call
 * into V8's runtime (eight a request). The cache keeps those buffers alive until four others have been used.
 */
const VIEWS = 4;
const viewBufs: (ArrayBufferLike | null)[] = new Array(VIEWS).fill(null);
const views: (DataView | null)[] = new Array(VIEWS).fill(null);
function viewOf(buf: ArrayBufferLike): DataView {
  if (buf === viewBufs[0]) return views[0]!;
  let i = 1;
  while (i < VIEWS && viewBufs[i] !== buf) i++;
  const view = i < VIEWS ? views[i]! : new DataView(buf);
  for (let j = Math.min(i, VIEWS - 1); j > 0; j--) { viewBufs[j] = viewBufs[j - 1]!; views[j] = views[j - 1]!; }
  viewBufs[0] = buf; views[0] = view;
  return view;
}

/** Decodes every field (all union arms) of one layout from `bytes` at `base`. */
export type DecodeFn = (bytes: Uint8Array, base?: number) => Record;
/** Encodes `values` into `out` at `base`; absent fields stay as they are (zero in a fresh buffer). */
export type EncodeFn = (values: Record, out: Uint8Array, base: number) => void;

/**
 * `layout`'s decoder under `lookup`, compiled once. A caller that decodes per request keeps it: decode() finds it
 * again in two WeakMaps on every call (16 lookups a request, 0.6 % of a request's time on one CPU).
 */
export function decoder(layout: Layout, lookup: LayoutLookup): DecodeFn {
  const c = compiledOf(layout, lookup);
  if (c.decodeFn) return c.decodeFn;
  const d = decoderOf(layout, lookup), size = layout.size, name = layout.name;
  c.decodeFn = (bytes, base = 0) => {
    if (base < 0 || bytes.length - base < size) throw new CodecError(`${name}: need ${size} bytes, got ${bytes.length - base}`);
    return d(viewOf(bytes.buffer), bytes, base, bytes.byteOffset);
  };
  return c.decodeFn;
}

/** `layout`'s encoder under `lookup`, compiled once (see decoder). */
export function encoder(layout: Layout, lookup: LayoutLookup): EncodeFn {
  const c = compiledOf(layout, lookup);
  if (c.encodeFn) return c.encodeFn;
  const e = encoderOf(layout, lookup), size = layout.size;
  c.encodeFn = (values, out, base) => e(viewOf(out.buffer), out, values, base, out.byteOffset, base >= 0 && base + size <= out.length);
  return c.encodeFn;
}

/** Encodes `values` into `out` at `base`; absent fields stay as they are (zero in a fresh buffer). */
export function encodeInto(layout: Layout, values: Record, out: Uint8Array, base: number, lookup: LayoutLookup): void {
  encoder(layout, lookup)(values, out, base);
}

export function encode(layout: Layout, values: Record, lookup: LayoutLookup): Uint8Array {
  const out = new Uint8Array(layout.size);
  encodeInto(layout, values, out, 0, lookup);
  return out;
}

/** Decodes every field (all union arms) of `layout` from `bytes` at `base`. */
export function decode(layout: Layout, bytes: Uint8Array, lookup: LayoutLookup, base = 0): Record {
  return decoder(layout, lookup)(bytes, base);
}
