// What the kernel wrote into an entry's header, and the reply the server writes back: every byte through the codec.
import { decoder, encoder, type DecodeFn, type EncodeFn, type Record as Rec } from '../../spec/codec/codec.js';
import { OP_IN } from '../../spec/fs/fs.js';
import { perRevision, type Revision } from '../../spec/revisions.js';
import type { Field, Layout } from '../../spec/types.js';

export interface Delivered {
  readonly opcode: number;
  readonly unique: bigint;
  readonly nodeid: bigint;
  readonly pid: number;
  readonly commit_id: bigint;
  readonly payload_sz: number;
  readonly flags: bigint;
  /** ent_in_out.offset where the revision has it (R8), else undefined. */
  readonly offset: number | undefined;
  /** op_in decoded as the opcode's in_args[0] struct; null for opcodes whose op_in the kernel leaves unwritten. */
  readonly opIn: Rec | null;
}

const field = (l: Layout, name: string): Field => {
  const f = l.fields.find((x) => x.name === name);
  if (!f) throw new Error(`${l.name} has no field ${name}`);
  return f;
};

const entLayout = (rev: Revision): Layout => {
  const f = field(rev.lookup(rev.reqHeader), 'ring_ent_in_out');
  if (f.type.kind !== 'struct') throw new Error(`${rev.reqHeader}.ring_ent_in_out is not a struct`);
  return rev.lookup(f.type.layout);
};

export interface HeaderParts {
  readonly size: number; readonly inOut: number; readonly opIn: number; readonly ent: number; readonly entLayout: Layout;
  readonly outHeader: Layout; readonly payloadSz: Field;
  readonly readIn: DecodeFn; readonly readEnt: DecodeFn; readonly writeOut: EncodeFn; readonly writeEnt: EncodeFn;
  /** The decoder of each opcode's op_in struct (OP_IN), made at its first request. */
  readonly readOpIn: Map<number, DecodeFn>;
}
/**
 * Byte offset and layout of the header parts a server touches, once per revision (every request looked its layouts up
 * and searched their fields again: worth 0-2 % of a request on one CPU).
 */
export const headerParts = perRevision((rev): HeaderParts => {
  const h = rev.lookup(rev.reqHeader), ent = entLayout(rev), inHeader = rev.lookup('fuse_in_header'), outHeader = rev.lookup('fuse_out_header');
  return { size: h.size, inOut: field(h, 'in_out').offset, opIn: field(h, 'op_in').offset, ent: field(h, 'ring_ent_in_out').offset, entLayout: ent,
    outHeader, payloadSz: field(ent, 'payload_sz'), readIn: decoder(inHeader, rev.lookup), readEnt: decoder(ent, rev.lookup),
    writeOut: encoder(outHeader, rev.lookup), writeEnt: encoder(ent, rev.lookup), readOpIn: new Map() };
});

export function readHeader(rev: Revision, header: Uint8Array): Delivered {
  const parts = headerParts(rev);
  const inH = parts.readIn(header, parts.inOut);
  const ent = parts.readEnt(header, parts.ent);
  const opcode = inH.opcode as number;
  const opInLayout = OP_IN[opcode];
  let readOpIn = parts.readOpIn.get(opcode);
  if (!readOpIn && opInLayout) parts.readOpIn.set(opcode, (readOpIn = decoder(rev.lookup(opInLayout), rev.lookup)));
  return {
    opcode, unique: inH.unique as bigint, nodeid: inH.nodeid as bigint, pid: inH.pid as number,
    commit_id: ent.commit_id as bigint, payload_sz: ent.payload_sz as number, flags: ent.flags as bigint,
    offset: 'offset' in ent ? (ent.offset as number) : undefined,
    opIn: readOpIn ? readOpIn(header, parts.opIn) : null,
  };
}

/** An entry's header bytes and what the server may write of them (a Region: pages a case made read-only are not). */
export interface ReplyHeader { readonly bytes: Uint8Array; canWrite(from: number, to: number): boolean }

/**
 * The out header (len, error, unique) at in_out and payload_sz at ring_ent_in_out of `header`, as COMMIT_AND_FETCH
 * reads them; each goes in only where the server can write (it cannot write memory it made read-only).
 */
export function writeReply(rev: Revision, header: ReplyHeader, r: { unique: bigint; error: number; payloadSz: number }): void {
  const parts = headerParts(rev);
  const out = parts.outHeader;
  if (header.canWrite(parts.inOut, parts.inOut + out.size)) parts.writeOut({ len: out.size + r.payloadSz, error: r.error, unique: r.unique }, header.bytes, parts.inOut);
  // payload_sz alone: the encoder writes only the fields it is given, so the rest of ring_ent_in_out stays as it is.
  const at = parts.ent + parts.payloadSz.offset;
  if (header.canWrite(at, at + 4)) parts.writeEnt({ payload_sz: r.payloadSz }, header.bytes, parts.ent);
}
