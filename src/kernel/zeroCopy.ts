// The server's side of 7.3 zero-copy: a sparse buffer table on its ring, and the fixed-buffer I/O that moves a request's
// pages, which the kernel installs at the entry's ent_zero_copy_buf_index for the request's life (io_buffer_register_bvec).
import { tmpdir } from 'node:os';
import type { NativeProbe } from '../../native-probe/index.js';
import { encode } from '../../spec/codec/codec.js';
import type { Revision } from '../../spec/revisions.js';
import { IORING_OP_READ, IORING_OP_READ_FIXED, IORING_OP_WRITE, IORING_OP_WRITE_FIXED, IORING_REGISTER_BUFFERS } from '../../spec/uapi/io_uring.js';
import { O_FLAG } from '../../spec/uapi/linux.js';
import { iovecArray, type Memory } from './regions.js';

/** Submits the SQE made for a user_data on the server's ring and returns its CQE's res (the connection reaps all else meanwhile). */
export type RingIo = (sqe: (userData: bigint) => Buffer) => number;

export class ZeroCopyError extends Error {}

/** IORING_REGISTER_BUFFERS of `slots` empty iovecs ({NULL, 0}): a table of sparse slots for the kernel to fill. */
export function registerSparseTable(p: NativeProbe, ring: number, slots: number): number {
  return p.ringRegister(ring, IORING_REGISTER_BUFFERS, iovecArray(Array.from({ length: slots }, () => ({ addr: 0n, len: 0 }))), slots);
}

export class ZeroCopyServer {
  /** An unnamed scratch file (O_TMPFILE): the other end of each fixed-buffer transfer; it leaves nothing behind. */
  private scratch = -1;

  constructor(private readonly p: NativeProbe, private readonly rev: Revision, private readonly memory: Memory, private readonly sqe128: boolean, private readonly io: RingIo) {}

  /** Puts `bytes` in the slot (a READ's answer into the client's pages): written to the scratch file, read back with READ_FIXED. */
  fill(slot: number, bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    const from = this.memory.bytes(bytes);
    const w = this.io(this.sqe(IORING_OP_WRITE, { addr: from, len: bytes.length }));
    if (w !== bytes.length) throw new ZeroCopyError(`scratch write of ${bytes.length} bytes returned ${w}`);
    return this.io(this.sqe(IORING_OP_READ_FIXED, { addr: 0n, len: bytes.length, buf_index: slot }));
  }

  /** The slot's first `len` bytes (a WRITE's data in the client's pages): WRITE_FIXED to the scratch file, then READ; or -errno. */
  drain(slot: number, len: number): Uint8Array | number {
    if (len === 0) return new Uint8Array();
    const w = this.io(this.sqe(IORING_OP_WRITE_FIXED, { addr: 0n, len, buf_index: slot }));
    if (w < 0) return w;
    const into = this.memory.region(w);
    const r = this.io(this.sqe(IORING_OP_READ, { addr: into.addr, len: w }));
    if (r !== w) throw new ZeroCopyError(`scratch read of ${w} bytes returned ${r}`);
    return into.readable()!.slice();
  }

  close(): void {
    if (this.scratch >= 0) this.p.close(this.scratch);
    this.scratch = -1;
  }

  private fd(): number {
    if (this.scratch < 0) {
      this.scratch = this.p.open(tmpdir(), O_FLAG.O_RDWR | O_FLAG.O_TMPFILE);
      if (this.scratch < 0) throw new ZeroCopyError(`open(O_TMPFILE) in ${tmpdir()} failed: ${this.scratch}`);
    }
    return this.scratch;
  }

  /** A read/write SQE at offset 0 of the scratch file (each transfer completes before the next starts), 64 bytes on a plain ring. */
  private sqe(opcode: number, f: { addr: bigint; len: number; buf_index?: number }): (userData: bigint) => Buffer {
    const fd = this.fd();
    return (user_data) => {
      const b = Buffer.from(encode(this.rev.lookup('io_uring_sqe$rw'), { opcode, fd, off: 0n, addr: f.addr, len: f.len, buf_index: f.buf_index ?? 0, user_data }, this.rev.lookup));
      return this.sqe128 ? b : b.subarray(0, 64);
    };
  }
}
