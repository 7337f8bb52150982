// Shapes of the executable specification: layouts, constants, rules and assumptions as data.

/** Revisions of the FUSE-over-io_uring UAPI this project specifies. */
export const REVISIONS = ['R0', 'R4', 'R7', 'R8'] as const;
export type RevisionId = (typeof REVISIONS)[number];

/** Scalar kinds the codec knows; all little-endian. */
export type Scalar = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'bool';

/** A field's type: a scalar, opaque bytes, or a nested layout by name. */
export type FieldType =
  | { kind: 'scalar'; scalar: Scalar }
  | { kind: 'bytes'; size: number }
  | { kind: 'struct'; layout: string };

/** Closed attribute set, in the manner of syzlang: what a field may legally hold. */
export type Attr =
  | { kind: 'none' }
  | { kind: 'const'; value: bigint }
  | { kind: 'flags'; set: string }
  | { kind: 'dir'; dir: 'in' | 'out' | 'inout' }
  | { kind: 'len'; of: string };

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly attr: Attr;
  /** Union arm: fields of different arms of one union may overlap. */
  readonly arm?: string;
}

/** Where a row of the spec comes from: a kernel function, a patch mail, or a named assumption. */
export interface Source {
  readonly ref: string;
  /** Set when no public text confirms the row: it rests on this assumption id. */
  readonly assumption?: string;
}

export interface Layout {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly fields: readonly Field[];
  readonly source: Source;
}

export interface Constant {
  readonly name: string;
  readonly value: bigint;
  readonly source: Source;
}

/** A named assumption: a value no public text confirms, overridable from a kernel header. */
export interface Assumption {
  readonly id: string;
  readonly revision: RevisionId;
  readonly what: string;
  readonly value: bigint;
  readonly reason: string;
  /** Macro or expression a header-reading probe can evaluate to replace the value. */
  readonly headerSymbol?: string;
}

export type AssumptionValues = Readonly<Record<string, bigint>>;
