// Memory.bytes(): the kernel reads back what was written at the address it returns, from the process's scratch while
// one connection holds it, from fresh pages otherwise. Memory.release(): a connection known gone gives its whole regions
// back, zeroed, for the next one; regions a case protected or unmapped, and any past the cap, are unmapped.
import { afterAll, describe, expect, it } from 'vitest';
import { loadProbe, type NativeProbe } from '../../native-probe/index.js';
import { encode } from '../../spec/codec/codec.js';
import { revision } from '../../spec/revisions.js';
import { ERRNO } from '../../spec/errno.js';
import { IORING_OP_WRITE } from '../../spec/uapi/io_uring.js';
import { reapCqes } from './cqes.js';
import { Memory, SCRATCH_SIZE, SPARE_MAX } from './regions.js';

const probe = loadProbe();
const p = probe as NativeProbe;
const R0 = revision('R0');

describe.skipIf(typeof probe === 'string')('Memory.bytes', () => {
  const ring = typeof probe === 'string' ? -1 : p.ringSetup(8, 0);
  const [rd, wr] = typeof probe === 'string' ? [-1, -1] : p.pipe() as [number, number];
  afterAll(() => { p.ringClose(ring); p.close(rd); p.close(wr); });

  /** The CQE res of an io_uring WRITE of len bytes from addr into the pipe: len, or -EFAULT where nothing is mapped. */
  const kernelWrite = (addr: bigint, len: number): number => {
    const sqe = Buffer.from(encode(R0.lookup('io_uring_sqe$rw'), { opcode: IORING_OP_WRITE, fd: wr, off: 0n, addr, len, buf_index: 0, user_data: 7n }, R0.lookup));
    expect(p.ringSubmit(ring, sqe.subarray(0, 64), false)).toBe(1);
    const cqes = reapCqes(p, R0, ring, 1000);
    if (typeof cqes === 'number' || cqes.length !== 1) throw new Error(`reap: ${String(cqes)}`);
    return cqes[0]!.res;
  };
  /** What the kernel reads at addr: an io_uring WRITE of len bytes from there into a pipe, read back. */
  const kernelReads = (addr: bigint, len: number): Buffer => {
    expect(kernelWrite(addr, len)).toBe(len);
    const got = p.read(rd, len, 1000);
    if (typeof got === 'number') throw new Error(`read: ${got}`);
    return got;
  };
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('should place a connection\'s two arrays of 32 and 48 bytes 32 bytes apart in one scratch, each read back intact', () => {
    const m = new Memory(p);
    const a = m.bytes(bytes(32, 0xa1)), b = m.bytes(bytes(48, 0xb2));
    expect(b - a).toBe(32n);
    expect(kernelReads(a, 32)).toEqual(Buffer.from(bytes(32, 0xa1)));
    expect(kernelReads(b, 48)).toEqual(Buffer.from(bytes(48, 0xb2)));
    m.release(true);
  });

  it('should give a second connection fresh pages while the first holds the scratch, and the scratch\'s start once it is released (known gone)', () => {
    const first = new Memory(p), second = new Memory(p);
    const base = first.bytes(bytes(16, 1));
    const other = second.bytes(bytes(16, 2));
    expect(other < base || other >= base + BigInt(SCRATCH_SIZE)).toBe(true);
    expect(kernelReads(other, 16)).toEqual(Buffer.from(bytes(16, 2)));
    first.release(true);
    const third = new Memory(p);
    expect(third.bytes(bytes(16, 3))).toBe(base);
    third.release(true);
    second.release(true);
  });

  it('should retire a scratch released without knowing the connection gone: the next connection gets another, the old bytes stay as written', () => {
    const first = new Memory(p);
    const old = first.bytes(bytes(64, 0x5a));
    first.release(false);
    const next = new Memory(p);
    const fresh = next.bytes(bytes(16, 0x11));
    expect(fresh === old).toBe(false);
    expect(kernelReads(old, 64)).toEqual(Buffer.from(bytes(64, 0x5a)));
    next.release(true);
  });

  it('should keep a connection\'s header (288 bytes across a page boundary) and payload (131,072) spare when it is released known gone: zeros to the kernel, and the next connection\'s regions of those sizes', () => {
    const m = new Memory(p);
    const hdr = m.region(288, 'straddle'), payload = m.region(131072);
    hdr.writable()!.fill(0x33); payload.writable()!.fill(0x44);
    expect(kernelReads(hdr.addr, 288)).toEqual(Buffer.alloc(288, 0x33));
    m.release(true);
    expect(kernelReads(hdr.addr, 288)).toEqual(Buffer.alloc(288));
    expect(kernelReads(payload.addr + 131072n - 4096n, 4096)).toEqual(Buffer.alloc(4096));
    const next = new Memory(p);
    const payload2 = next.region(131072), hdr2 = next.region(288, 'straddle');
    expect([hdr2.addr, payload2.addr]).toEqual([hdr.addr, payload.addr]);
    expect(Buffer.from(payload2.readable()!)).toEqual(Buffer.alloc(131072));
    next.release(true);
  });

  it('should unmap, not keep spare, a region a case made read-only when its connection is released known gone', () => {
    const m = new Memory(p);
    const payload = m.region(12288);
    payload.set('read', 'tail');
    m.release(true);
    expect(kernelWrite(payload.addr, 4096)).toBe(-ERRNO.EFAULT);
    const next = new Memory(p);
    expect(next.region(12288).addr).not.toBe(payload.addr);
    next.release(true);
  });

  it(`should unmap the regions past ${SPARE_MAX} spare ones when a connection of ${SPARE_MAX + 2} regions of 20,480 bytes is released known gone`, () => {
    const m = new Memory(p);
    const regions = Array.from({ length: SPARE_MAX + 2 }, () => m.region(20480));
    m.release(true);
    // One byte from each: a region still mapped gives it (read back, so the pipe never fills), an unmapped one faults.
    const faults = regions.filter((r) => { const res = kernelWrite(r.addr, 1); if (res === 1) p.read(rd, 1, 1000); return res === -ERRNO.EFAULT; }).length;
    // Other tests' spares count against the cap too: at least the two past it go.
    expect(faults).toBeGreaterThanOrEqual(2);
    expect(faults).toBeLessThan(SPARE_MAX + 2);
  });

  it('should leave a connection\'s regions mapped when it is released without knowing it gone (the kernel may still use them)', () => {
    const m = new Memory(p);
    const payload = m.region(8192);
    payload.writable()!.fill(0x55);
    m.release(false);
    expect(kernelReads(payload.addr, 8192)).toEqual(Buffer.alloc(8192, 0x55));
  });

  it('should unmap only the pages a case left mapped: a mapping made since in a page the case unmapped stays', () => {
    const m = new Memory(p);
    const payload = m.region(8192);
    payload.set('unmapped', 'tail');
    const hole = payload.addr + 4096n;
    const other = p.alloc(4096, hole);
    if (typeof other === 'number') throw new Error(`alloc in the hole: ${other}`);
    new Uint8Array(other).fill(0x66);
    m.release(true);
    expect(kernelWrite(payload.addr, 4096)).toBe(-ERRNO.EFAULT);
    expect(kernelReads(hole, 4096)).toEqual(Buffer.alloc(4096, 0x66));
    expect(p.unmap(other, 0, 4096)).toBe(0);
  });

  it(`should put bytes that no longer fit (${SCRATCH_SIZE - 8} after 16) on fresh pages, read back intact`, () => {
    const m = new Memory(p);
    const a = m.bytes(bytes(16, 9));
    const big = m.bytes(bytes(SCRATCH_SIZE - 8, 0x77));
    expect(big < a || big >= a + BigInt(SCRATCH_SIZE)).toBe(true);
    expect(kernelReads(big, 4096)).toEqual(Buffer.from(bytes(4096, 0x77)));
    m.release(true);
  });

  it('should say which bytes of a 288-byte header across a page boundary (144 and 144) the harness may touch once its second page is read-only, then unreadable', () => {
    const m = new Memory(p);
    const hdr = m.region(288, 'straddle');
    hdr.set('read', 'tail');
    expect([hdr.canWrite(0, 144), hdr.canWrite(140, 148), hdr.canWrite(144, 288), hdr.canRead(0, 288)]).toEqual([true, false, false, true]);
    expect([hdr.writableRange(0, 144)?.length, hdr.writableRange(144, 148), hdr.writable()]).toEqual([144, null, null]);
    hdr.set('none', 'tail');
    expect([hdr.canRead(0, 144), hdr.canRead(143, 145), hdr.readable(), hdr.canWrite(0, 289)]).toEqual([true, false, null, false]);
    m.release(true);
  });
});
