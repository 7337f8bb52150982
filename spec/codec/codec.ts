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

function writeScalar(dv: DataView, off: number, s: Scalar, v: Value | undefined, name: string): void {
  const isWide = s === 'u64' || s === 'i64';
  if (v === undefined) v = isWide ? 0n : 0;
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (isWide) {
    if (typeof v !== 'bigint' && typeof v !== 'number') throw new CodecError(`${name}: expected an integer`);
    const b = BigInt(v);
    if (s === 'u64') dv.setBigUint64(off, BigInt.asUintN(64, b), true);
    else dv.setBigInt64(off, BigInt.asIntN(64, b), true);
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

function readScalar(dv: DataView, off: number, s: Scalar): number | bigint {
  switch (s) {
    case 'u8': case 'bool': return dv.getUint8(off);
    case 'u16': return dv.getUint16(off, true);
    case 'u32': return dv.getUint32(off, true);
    case 'i32': return dv.getInt32(off, true);
    case 'u64': return dv.getBigUint64(off, true);
    case 'i64': return dv.getBigInt64(off, true);
  }
}

/** Encodes `values` into `out` at `base`; absent fields stay as they are (zero in a fresh buffer). */
export function encodeInto(layout: Layout, values: Record, out: Uint8Array, base: number, lookup: LayoutLookup): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const f of layout.fields) {
    if (!(f.name in values)) continue;
    const v = values[f.name];
    const off = base + f.offset;
    switch (f.type.kind) {
      case 'scalar': writeScalar(dv, off, f.type.scalar, v, `${layout.name}.${f.name}`); break;
      case 'bytes': {
        if (!(v instanceof Uint8Array)) throw new CodecError(`${layout.name}.${f.name}: expected bytes`);
        if (v.length > f.type.size) throw new CodecError(`${layout.name}.${f.name}: ${v.length} bytes do not fit in ${f.type.size}`);
        out.set(v, off);
        break;
      }
      case 'struct': {
        if (typeof v !== 'object' || v instanceof Uint8Array) throw new CodecError(`${layout.name}.${f.name}: expected a record`);
        encodeInto(lookup(f.type.layout), v as Record, out, off, lookup);
        break;
      }
    }
  }
}

export function encode(layout: Layout, values: Record, lookup: LayoutLookup): Uint8Array {
  const out = new Uint8Array(layout.size);
  encodeInto(layout, values, out, 0, lookup);
  return out;
}

/** Decodes every field (all union arms) of `layout` from `bytes` at `base`. */
export function decode(layout: Layout, bytes: Uint8Array, lookup: LayoutLookup, base = 0): Record {
  if (bytes.length - base < layout.size) {
    throw new CodecError(`${layout.name}: need ${layout.size} bytes, got ${bytes.length - base}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rec: Record = {};
  for (const f of layout.fields) {
    const off = base + f.offset;
    switch (f.type.kind) {
      case 'scalar': rec[f.name] = readScalar(dv, off, f.type.scalar); break;
      case 'bytes': rec[f.name] = bytes.slice(off, off + f.type.size); break;
      case 'struct': rec[f.name] = decode(lookup(f.type.layout), bytes, lookup, off); break;
    }
  }
  return rec;
}
