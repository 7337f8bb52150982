// The server's memory shared with the kernel: regions that a case can make unreadable, read-only or unmapped.
import { match } from 'ts-pattern';
import type { NativeProbe } from '../../native-probe/index.js';
import { encodeInto } from '../../spec/codec/codec.js';
import { negErrno } from '../../spec/errno.js';
import type { Addr, MemProt } from '../../spec/conn/commands.js';
import { registry } from '../../spec/uapi/dsl.js';
import { iovec } from '../../spec/uapi/io_uring.js';

const PAGE = 4096;
const PROT = { none: 0, read: 1, rw: 3 } as const;
const lookup = registry([iovec]);

/** struct iovec[] for the kernel to import: each (base, len) through the codec. */
export function iovecArray(list: readonly { readonly addr: bigint; readonly len: number }[]): Buffer {
  const out = Buffer.alloc(iovec.size * Math.max(1, list.length));
  list.forEach((v, i) => encodeInto(iovec, { iov_base: v.addr, iov_len: BigInt(v.len) }, out, i * iovec.size, lookup));
  return out;
}
/** A user address no process maps: the top of the kernel's direct map (fails access_ok). */
export const KERNEL_ADDR = 0xffff888000000000n;

export class RegionError extends Error {}

const mayRead = (x: MemProt): boolean => x === 'rw' || x === 'read';
const mayWrite = (x: MemProt): boolean => x === 'rw';

/** Buffers whose pages a case protected or unmapped: never lent again, unmapped at release. */
const altered = new WeakSet<ArrayBuffer>();

/** `len` bytes at `at` inside one alloc()ed mapping; pages after the first may be faulted on their own ("tail"). */
export class Region {
  prot: { head: MemProt; tail: MemProt } = { head: 'rw', tail: 'rw' };

  /** All of its bytes, whatever their pages allow: a caller touches only what canRead or canWrite allows. */
  readonly bytes: Uint8Array;

  constructor(private readonly p: NativeProbe, readonly ab: ArrayBuffer, readonly at: number, readonly len: number) {
    this.bytes = new Uint8Array(ab, at, len);
  }

  get addr(): bigint { return this.p.addressOf(this.ab) + BigInt(this.at); }

  /** Whether `ok` holds for each part bytes [from, to) of the region lie in: its first page, the pages after it. */
  private every(from: number, to: number, ok: (x: MemProt) => boolean): boolean {
    if (to <= from) return true;
    const split = PAGE - (this.at % PAGE);
    return (from >= split || ok(this.prot.head)) && (to <= split || ok(this.prot.tail));
  }

  /** Whether the harness may write bytes [from, to): every page they lie in is writable. */
  canWrite(from: number, to: number): boolean {
    return to <= this.len && this.every(from, to, mayWrite);
  }

  /** Whether the harness may read bytes [from, to): every page they lie in is readable. */
  canRead(from: number, to: number): boolean {
    return to <= this.len && this.every(from, to, mayRead);
  }

  /** Bytes [from, to) as a view the harness may write through, or null if any of their pages is not writable. */
  writableRange(from: number, to: number): Uint8Array | null {
    return this.canWrite(from, to) ? this.bytes.subarray(from, to) : null;
  }

  /** Bytes [from, to) as a view the harness may read, or null if any of their pages is not readable. */
  readableRange(from: number, to: number): Uint8Array | null {
    return this.canRead(from, to) ? this.bytes.subarray(from, to) : null;
  }

  /** A view for the harness to write into, or null when any of the region's pages is not writable. */
  writable(): Uint8Array | null {
    return mayWrite(this.prot.head) && mayWrite(this.prot.tail) ? this.bytes : null;
  }

  /** A view for the harness to read, or null when any page is unreadable. */
  readable(): Uint8Array | null {
    return mayRead(this.prot.head) && mayRead(this.prot.tail) ? this.bytes : null;
  }

  /** Changes the pages of the region's first page ('head'), of the rest ('tail'), or of both. */
  set(prot: MemProt, part: 'all' | 'head' | 'tail'): void {
    altered.add(this.ab);
    const firstPage = Math.floor(this.at / PAGE) * PAGE;
    const lastByte = this.at + this.len - 1;
    const split = firstPage + PAGE;
    const ranges: [number, number, 'head' | 'tail'][] = [];
    if (part !== 'tail') ranges.push([firstPage, Math.min(split, lastByte + 1) - firstPage, 'head']);
    if (part !== 'head' && lastByte >= split) ranges.push([split, lastByte + 1 - split, 'tail']);
    for (const [off, len, which] of ranges) {
      if (this.prot[which] === 'unmapped') continue;
      const r = prot === 'unmapped' ? this.p.unmap(this.ab, off, len) : this.p.protect(this.ab, off, len, PROT[prot as keyof typeof PROT]);
      if (r < 0) throw new RegionError(`${prot === 'unmapped' ? 'munmap' : 'mprotect'} of ${len} bytes at +${off} failed: ${r}`);
      this.prot[which] = prot;
    }
    if (part !== 'head' && lastByte < split) this.prot.tail = this.prot.head;
  }
}

/**
 * Where regions go: a window low in the address space, filled upward and never reused while a case could still see a
 * hole. mmap without an address takes the highest free gap below the mmap base, so neither a later region nor anyone
 * else's mapping (the worker's heap, a ring) fills a page a case unmapped: it stays unmapped until the case ends.
 */
export const ARENA = { base: 0x1000_0000_0000n, size: 0x100_0000_0000n } as const;
const EEXIST = negErrno('EEXIST');
let cursor = ARENA.base;

/** `bytes` (page-rounded) of the arena's next addresses plus a guard page; wraps to the start after 1 TiB. */
function nextAt(bytes: number): bigint {
  const len = BigInt(Math.ceil(Math.max(bytes, 1) / PAGE) * PAGE);
  if (cursor + len + BigInt(PAGE) > ARENA.base + ARENA.size) cursor = ARENA.base;
  const at = cursor;
  cursor += len + BigInt(PAGE);
  return at;
}

/**
 * Pages for the bytes the harness writes for the kernel to read, lent to one connection at a time and so faulted in once
 * per process: a fresh page costs a fault at its first write (about 15 µs here, more than the REGISTER that reads it).
 */
interface Scratch { readonly ab: ArrayBuffer; readonly addr: bigint; used: number; owner: Memory | null }
export const SCRATCH_SIZE = 64 * 1024;
const scratches = new WeakMap<NativeProbe, Scratch | null>();

function scratchOf(p: NativeProbe): Scratch | null {
  if (scratches.has(p)) return scratches.get(p)!;
  const ab = p.alloc(SCRATCH_SIZE);
  const s = typeof ab === 'number' ? null : { ab, addr: p.addressOf(ab), used: 0, owner: null };
  scratches.set(p, s);
  return s;
}

/**
 * Region mappings of connections known gone, by byte length, each discarded (reads as zeros, holds no page): the next
 * connection takes one instead of a new mapping. A mapping, its guard page and address stay as they were: no hole opens.
 * Made anew, a region cost 9-16 µs more than a raw mmap here (the ArrayBuffer, its finalizer, V8's external-memory count).
 */
export const SPARE_MAX = 64;
const spares = new WeakMap<NativeProbe, Map<number, ArrayBuffer[]>>();
const sparesOf = (p: NativeProbe): Map<number, ArrayBuffer[]> => {
  let s = spares.get(p);
  if (!s) spares.set(p, (s = new Map()));
  return s;
};
const spareCount = (s: Map<number, ArrayBuffer[]>): number => { let n = 0; for (const l of s.values()) n += l.length; return n; };

/** Allocates regions for one connection and keeps their buffers alive as long as the kernel may use them. */
export class Memory {
  private readonly keep: ArrayBuffer[] = [];
  /** The process's scratch while this connection holds it (from its first bytes() until release()). */
  private scratch: Scratch | null = null;

  constructor(private readonly p: NativeProbe) {}

  /**
   * The connection is over. Known gone (its ring exited, so no io-wq worker still reads its bytes): the scratch goes to
   * the next connection, and this one's regions are discarded now and kept spare (up to SPARE_MAX), or unmapped, not
   * left until V8 collects their buffers (a loop of connections that allocates little else ran out of mappings first;
   * 4,096 buffers kept for one batched unmap held their touched pages, and a 1 GiB TCG guest's two workers fell to 2.7
   * cases/s). Not known: the scratch stays with this one's other buffers, all left to the collector, and the next
   * connection gets a new scratch. Nothing may use a region after.
   */
  release(known: boolean): void {
    if (known) {
      const s = sparesOf(this.p);
      let n = spareCount(s);
      for (const ab of this.keep.splice(0)) {
        // Whole and discarded, it is spare; a buffer a case made unreadable or holed is unmapped, as is one over the cap.
        if (n < SPARE_MAX && !altered.has(ab) && this.p.discard(ab) === 0) {
          const list = s.get(ab.byteLength);
          list ? list.push(ab) : s.set(ab.byteLength, [ab]);
          n++;
        } else this.p.unmap(ab, 0, ab.byteLength);
      }
    }
    if (!this.scratch) return;
    if (known) { this.scratch.owner = null; this.scratch.used = 0; } else { scratches.delete(this.p); this.keep.push(this.scratch.ab); }
    this.scratch = null;
  }

  private map(bytes: number): ArrayBuffer {
    const spare = spares.get(this.p)?.get(Math.max(bytes, 1))?.pop();
    if (spare) { this.keep.push(spare); return spare; }
    let ab: ArrayBuffer | number = EEXIST;
    // Something still mapped in the way (a region of a case not yet collected after a wrap): take the next addresses.
    for (let tries = 0; ab === EEXIST && tries < 64; tries++) ab = this.p.alloc(bytes, nextAt(bytes));
    if (typeof ab === 'number') throw new RegionError(`mmap of ${bytes} bytes failed: ${ab}`);
    this.keep.push(ab);
    return ab;
  }

  /**
   * A region of `len` bytes. 'straddle' puts its middle on a page boundary (a header whose second half can fault
   * alone); 'start' puts it at the start of its own pages.
   */
  region(len: number, place: 'start' | 'straddle' = 'start'): Region {
    const n = Math.max(len, 1);
    if (place === 'start') return new Region(this.p, this.map(n), 0, n);
    const at = PAGE - Math.floor(n / 2);
    return new Region(this.p, this.map(at + n), at, n);
  }

  /** The address an Addr names: a fresh region for 'valid', or one of the invalid kinds. */
  address(addr: Addr, len: number, place: 'start' | 'straddle' = 'start'): { addr: bigint; region: Region | null } {
    return match(addr)
      .with('valid', () => { const r = this.region(len, place); return { addr: r.addr, region: r }; })
      .with('null', () => ({ addr: 0n, region: null }))
      // The middle of 16 arena pages nothing maps: no later region or mapping lands there.
      .with('unmapped', () => ({ addr: nextAt(16 * PAGE) + BigInt(8 * PAGE), region: null }))
      .with('kernel', () => ({ addr: KERNEL_ADDR, region: null }))
      .exhaustive();
  }

  /**
   * Bytes the harness writes for the kernel to read (an iovec array): plain memory, never faulted, never reused while
   * this connection lives (a command punted to io-wq, as a REGISTER before INIT is, reads them after its submission).
   */
  bytes(data: Uint8Array): bigint {
    const s = this.scratch ?? scratchOf(this.p);
    if (s && (s.owner === null || s.owner === this) && s.used + data.length <= SCRATCH_SIZE) {
      s.owner = this; this.scratch = s;
      const at = s.used;
      new Uint8Array(s.ab, at, data.length).set(data);
      // 16-byte aligned, as malloc would give: nothing in the kernel's iovec import needs more.
      s.used = at + Math.ceil(Math.max(data.length, 1) / 16) * 16;
      return s.addr + BigInt(at);
    }
    const ab = this.map(data.length);
    new Uint8Array(ab).set(data);
    return this.p.addressOf(ab);
  }
}
