// FUSE messages on /dev/fuse built and parsed with the spec codec: INIT handshake, requests, replies.
import { decode, encode, type Record as Rec } from '../../spec/codec/codec.js';
import { SERVER_INIT, type ConnConfig } from '../../spec/conn/commands.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_INIT_FLAG, FUSE_KERNEL_VERSION, FUSE_MIN_READ_BUFFER, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';

const R0 = revision('R0');
const L = (n: string) => R0.lookup(n);
export const IN_HEADER = L('fuse_in_header').size;
export const OUT_HEADER = L('fuse_out_header').size;

/**
 * A /dev/fuse read buffer: fuse_dev_do_read() refuses one under max(FUSE_MIN_READ_BUFFER, in_header + write_in + max_write);
 * the harness reads at least 128 KiB, with a page to spare.
 */
export function devReadSize(maxWrite: number): number {
  return Math.max(1 << 17, FUSE_MIN_READ_BUFFER, IN_HEADER + L('fuse_write_in').size + maxWrite) + 4096;
}

/** Opcodes the kernel sends on /dev/fuse that no command asked for (forgets, interrupts): a server consumes them silently. */
export const UNSOLICITED: readonly number[] = [FUSE_OPCODE.FUSE_FORGET, FUSE_OPCODE.FUSE_BATCH_FORGET, FUSE_OPCODE.FUSE_INTERRUPT];

export interface InHeader { len: number; opcode: number; unique: bigint; nodeid: bigint; pid: number }

export function parseRequest(buf: Uint8Array): { h: InHeader; body: Uint8Array } {
  const h = decode(L('fuse_in_header'), buf, R0.lookup);
  return { h: { len: h.len as number, opcode: h.opcode as number, unique: h.unique as bigint, nodeid: h.nodeid as bigint, pid: h.pid as number }, body: buf.subarray(IN_HEADER) };
}

export interface InitOffer { major: number; minor: number; max_readahead: number; flags: bigint }

export function parseInitIn(body: Uint8Array): InitOffer {
  const i = decode(L('fuse_init_in'), body, R0.lookup);
  return { major: i.major as number, minor: i.minor as number, max_readahead: i.max_readahead as number, flags: BigInt(i.flags as number) | (BigInt(i.flags2 as number) << 32n) };
}

/** The server's INIT reply: it accepts what it wants of what the kernel offered. */
export function initReply(unique: bigint, offer: InitOffer, init: NonNullable<ConnConfig['init']>): { bytes: Buffer; flags: bigint } {
  const flags = (init.flags & offer.flags) | FUSE_INIT_FLAG.FUSE_INIT_EXT;
  const body: Rec = {
    major: FUSE_KERNEL_VERSION, minor: offer.minor, max_readahead: offer.max_readahead, flags: Number(flags & 0xffffffffn),
    max_background: init.max_background ?? SERVER_INIT.max_background, congestion_threshold: SERVER_INIT.congestion_threshold, max_write: init.max_write,
    time_gran: SERVER_INIT.time_gran, max_pages: init.max_pages,
    flags2: Number(flags >> 32n),
  };
  return { bytes: reply(unique, 0, encode(L('fuse_init_out'), body, R0.lookup)), flags };
}

export function reply(unique: bigint, error: number, payload: Uint8Array = new Uint8Array()): Buffer {
  const out = Buffer.alloc(OUT_HEADER + payload.length);
  out.set(encode(L('fuse_out_header'), { len: out.length, error, unique }, R0.lookup), 0);
  out.set(payload, OUT_HEADER);
  return out;
}

/** fuse_attr_out of the root directory, the answer to GETATTR. */
export function rootAttrOut(): Uint8Array {
  return encode(L('fuse_attr_out'), {
    attr_valid: 0n, attr_valid_nsec: 0,
    attr: { ino: 1n, size: 0n, blocks: 0n, mode: 0o40755, nlink: 2, uid: 0, gid: 0, blksize: 4096 },
  }, R0.lookup);
}
