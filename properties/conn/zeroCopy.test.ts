import { describe, expect, it } from 'vitest';
import { FUSE_OPCODE as O } from '../../spec/uapi/fuse_kernel.js';
import { emptyMode, type Queue, type Request } from '../../spec/conn/state.js';
import { copiedIn, replyCopied, wantsBuffer, zeroCopied } from '../../spec/conn/zeroCopy.js';

const queue = (zero_copy: boolean): Queue => ({
  qid: 0, stopped: false, mode: { ...emptyMode(), zero_copy, payload: 'pool', nr_bufs: 2, buf_size: 131072 }, entries: [], pending: [], bgQueue: [], activeBg: 0,
  poolMem: { head: 'rw', tail: 'rw' }, busyBufs: new Set(),
});
const request = (opcode: number, zero_copy: boolean, payload_in: number, reply_size: number): Request => ({
  unique: 8n, opcode, client: 0, qid: 0, nodeid: 5n, opIn: null, payload: new Uint8Array(payload_in), payload_in, reply_size, reply_argvar: opcode === O.FUSE_READ,
  pages: opcode === O.FUSE_READ || opcode === O.FUSE_WRITE, zero_copy, force: false, background: false, where: 'queued', answer: null,
});
const read4k = (zc: boolean) => request(O.FUSE_READ, zc, 0, 4096);
const write4k = (zc: boolean) => request(O.FUSE_WRITE, zc, 4096, 8);

describe('7.3 zero-copy eligibility', () => {
  it('should zero-copy a 4096-byte READ and WRITE only on a ZERO_COPY queue of a file opened FOPEN_IO_URING_ZERO_COPY', () => {
    expect([zeroCopied(queue(true), read4k(true)), zeroCopied(queue(true), write4k(true))]).toEqual([true, true]);
    expect([zeroCopied(queue(false), read4k(true)), zeroCopied(queue(true), read4k(false)), zeroCopied(undefined, read4k(true))]).toEqual([false, false, false]);
  });

  it('should never zero-copy a LOOKUP (no page args), even of a zero-copy file on a zero-copy queue', () => {
    expect(zeroCopied(queue(true), { ...request(O.FUSE_LOOKUP, true, 6, 128), pages: false })).toBe(false);
  });

  it('should copy none of a zero-copied WRITE\'s 4096 bytes at delivery, and all 4096 of a copied one', () => {
    expect([copiedIn(queue(true), write4k(true)), copiedIn(queue(false), write4k(true))]).toEqual([0, 4096]);
  });

  it('should read a zero-copied READ\'s reply from the client\'s pages, not from payload memory; a WRITE\'s 8-byte fuse_write_out from payload memory', () => {
    expect([replyCopied(queue(true), read4k(true)), replyCopied(queue(true), write4k(true)), replyCopied(queue(false), read4k(true))]).toEqual([false, true, true]);
  });

  it('should take a pool buffer for a zero-copied WRITE (its fuse_write_out) but not for a zero-copied READ, and for both when copied', () => {
    expect([wantsBuffer(queue(true), read4k(true)), wantsBuffer(queue(true), write4k(true))]).toEqual([false, true]);
    expect([wantsBuffer(queue(false), read4k(true)), wantsBuffer(queue(false), write4k(true))]).toEqual([true, true]);
  });
});
