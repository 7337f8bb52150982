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

/** A u64/i64 field's value as a bigint: setBigUint64/setBigInt64 take it modulo 2^64 themselves (no asUintN copy). */
function wide(v: Value | undefined, name: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (v === undefined) return 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new CodecError(`${name}: expected an integer`);
}

/** A narrower scalar's value as a number; the generated write masks it to its width. */
function narrow(v: Value | undefined, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new CodecError(`${name}: expected an integer`);
}

const WRITE: { readonly [S in Scalar]: (at: string, v: string) => string } = {
  u8: (at, v) => `dv.setUint8(${at}, narrow(${v}) & 0xff)`, bool: (at, v) => `dv.setUint8(${at}, narrow(${v}) & 0xff)`,
  u16: (at, v) => `dv.setUint16(${at}, narrow(${v}) & 0xffff, true)`, u32: (at, v) => `dv.setUint32(${at}, narrow(${v}) >>> 0, true)`,
  i32: (at, v) => `dv.setInt32(${at}, narrow(${v}) | 0, true)`,
  u64: (at, v) => `dv.setBigUint64(${at}, wide(${v}), true)`, i64: (at, v) => `dv.setBigInt64(${at}, wide(${v}), true)`,
};

/**
 * Each layout is compiled once per registry into a function whose object literal and DataView calls are its field
 * table, offsets and widths: the generic loop built a record key by key and looked nested layouts up on every call
 * (2.3 µs to read an entry's header: about 4 of the 9 µs a request took in npm run bench on one CPU). A layout gets two:
 * the body a nesting layout calls with its view, and the entry a caller holds (decoder(), encoder()). Each is its own
 * function, so its call sites see one layout's values (a closure shared by all layouts made them megamorphic).
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

function short(name: string, size: number, got: number): never {
  throw new CodecError(`${name}: need ${size} bytes, got ${got}`);
}

function compileDecoder(layout: Layout, lookup: LayoutLookup): Compiled {
  const c = compiledOf(layout, lookup);
  if (c.decode) return c;
  const nested: Decoder[] = [];
  const parts = layout.fields.map((f) => {
    const at = `b + ${f.offset}`;
    switch (f.type.kind) {
      case 'scalar': return `${JSON.stringify(f.name)}: ${READ[f.type.scalar](`o + ${at}`)}`;
      case 'bytes': return `${JSON.stringify(f.name)}: bytes.slice(${at}, ${at} + ${f.type.size})`;
      case 'struct': nested.push(compileDecoder(lookup(f.type.layout), lookup).decode!); return `${JSON.stringify(f.name)}: nested[${nested.length - 1}](dv, bytes, ${at}, o)`;
    }
  });
  const record = `({ ${parts.join(', ')} })`, size = layout.size, name = JSON.stringify(layout.name);
  // The source is built from the layout table alone: names quoted by JSON.stringify, offsets and sizes numbers.
  [c.decode, c.decodeFn] = new Function('nested', 'viewOf', 'short', `return [(dv, bytes, b, o) => ${record}, (bytes, b = 0) => {
    if (b < 0 || bytes.length - b < ${size}) short(${name}, ${size}, bytes.length - b);
    const dv = viewOf(bytes.buffer), o = bytes.byteOffset;
    return ${record};
  }];`)(nested, viewOf, short) as [Decoder, DecodeFn];
  return c;
}

function compileEncoder(layout: Layout, lookup: LayoutLookup): Compiled {
  const c = compiledOf(layout, lookup);
  if (c.encode) return c;
  const nested: Encoder[] = [];
  const body = layout.fields.map((f) => {
    const key = JSON.stringify(f.name), where = JSON.stringify(`${layout.name}.${f.name}`), at = `b + ${f.offset}`;
    const write = ((): string => {
      switch (f.type.kind) {
        // The view spans the whole buffer: a layout not wholly inside `out` (a partial write) has each field checked.
        case 'scalar': return `if (!whole && (${at} < 0 || ${at} + ${SCALAR_SIZE[f.type.scalar]} > out.length)) outside(${where}, ${at}, ${SCALAR_SIZE[f.type.scalar]}, out.length); ${WRITE[f.type.scalar](`o + ${at}`, `v, ${where}`)};`;
        case 'bytes': return `bytesInto(out, ${at}, ${f.type.size}, v, ${where});`;
        case 'struct': nested.push(compileEncoder(lookup(f.type.layout), lookup).encode!); return `nested[${nested.length - 1}](dv, out, record(v, ${where}), ${at}, o, whole);`;
      }
    })();
    return `if (${key} in values) { const v = values[${key}]; ${write} }`;
  }).join(' ');
  [c.encode, c.encodeFn] = new Function('nested', 'wide', 'narrow', 'bytesInto', 'record', 'outside', 'viewOf', `return [(dv, out, values, b, o, whole) => { ${body} }, (values, out, b) => {
    const dv = viewOf(out.buffer), o = out.byteOffset, whole = b >= 0 && b + ${layout.size} <= out.length;
    ${body}
  }];`)(nested, wide, narrow, bytesInto, record, outside, viewOf) as [Encoder, EncodeFn];
  return c;
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
  return compileDecoder(layout, lookup).decodeFn!;
}

/** `layout`'s encoder under `lookup`, compiled once (see decoder). */
export function encoder(layout: Layout, lookup: LayoutLookup): EncodeFn {
  return compileEncoder(layout, lookup).encodeFn!;
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
