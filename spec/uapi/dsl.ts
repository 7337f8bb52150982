// Tiny declaration helpers so layouts read as one line per field: [offset, name, type, attr].
import type { Attr, Constant, Field, FieldType, Layout, Source } from '../types.js';

export const u8: FieldType = { kind: 'scalar', scalar: 'u8' };
export const u16: FieldType = { kind: 'scalar', scalar: 'u16' };
export const u32: FieldType = { kind: 'scalar', scalar: 'u32' };
export const u64: FieldType = { kind: 'scalar', scalar: 'u64' };
export const i32: FieldType = { kind: 'scalar', scalar: 'i32' };
export const i64: FieldType = { kind: 'scalar', scalar: 'i64' };
export const bool: FieldType = { kind: 'scalar', scalar: 'bool' };
export const bytes = (size: number): FieldType => ({ kind: 'bytes', size });
export const struct = (layout: string): FieldType => ({ kind: 'struct', layout });

export const none: Attr = { kind: 'none' };
export const const0: Attr = { kind: 'const', value: 0n };
export const flags = (set: string): Attr => ({ kind: 'flags', set });
export const dir = (d: 'in' | 'out' | 'inout'): Attr => ({ kind: 'dir', dir: d });
export const len = (of: string): Attr => ({ kind: 'len', of });

export type FieldRow = readonly [offset: number, name: string, type: FieldType, attr?: Attr, arm?: string];

export function layout(
  name: string,
  shape: { size: number; align: number },
  source: Source | string,
  rows: readonly FieldRow[],
): Layout {
  const fields: Field[] = rows.map(([offset, fname, type, attr, arm]) =>
    arm === undefined ? { name: fname, type, offset, attr: attr ?? none } : { name: fname, type, offset, attr: attr ?? none, arm },
  );
  return { name, size: shape.size, align: shape.align, fields, source: typeof source === 'string' ? { ref: source } : source };
}

export function constant(name: string, value: bigint | number, source: Source | string): Constant {
  return { name, value: BigInt(value), source: typeof source === 'string' ? { ref: source } : source };
}

/** Registry lookup for the codec; unknown names are a spec bug, so it throws. */
export function registry(layouts: readonly Layout[]): (name: string) => Layout {
  const byName = new Map(layouts.map((l) => [l.name, l]));
  return (n) => {
    const l = byName.get(n);
    if (!l) throw new Error(`no layout named ${n}`);
    return l;
  };
}
