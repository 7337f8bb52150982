// Payload buffers of a buffer-ring queue: ids reported per request, never shared while in use, recycled on commit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, Event, UringCmdSpec } from '../../spec/conn/commands.js';
import { bufferFromCqeFlags, cqeFlagsForBuffer } from '../../spec/bufindex.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { canZeroCopyReq, encodeR7Flags } from '../../spec/rules/r7.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

const SEED = Number(process.env.FURC_SEED ?? 20261121);
const a = revision('R7').a;
const config = baseConfig('R7', NR_CPUS);
const max = maxPayloadSz(config.init!, a);
const flags = encodeR7Flags({ bufring: true, pinned_headers: false, pinned_buffers: false, zero_copy: false }, a);
const reg = (qid: number, buf_index: number, nbufs: number): UringCmdSpec => ({
  cmd_op: REGISTER, qid, flags, queue_depth: 4, buf_size: max, buf_index, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid',
  iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: nbufs * max, addr: 'valid', aligned: true }],
});

describe.each(tTargets().map((t) => [t.name, t] as const))('R7 buffer ring (%s)', (_n, tt) => {
  it(`should give concurrent requests distinct buf_ids below nr_bufs and hold the rest until a commit frees one (seed ${SEED})`, async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), async (nbufs, clients) => {
      const s = await target.open(config);
      const ev: Event[] = [];
      // Four entries on queue 0 and one on queue 1, so the ring is ready.
      for (let i = 0; i < 4; i++) ev.push(...(await s.run({ kind: 'uring_cmd', tag: `r0.${i}`, sqe: reg(0, i, nbufs) })));
      ev.push(...(await s.run({ kind: 'uring_cmd', tag: 'r1.0', sqe: reg(1, 0, nbufs) })));
      for (let c = 0; c < clients; c++) ev.push(...(await s.run({ kind: 'client', tag: `c${c}`, op: 'stat', cpu: 0 } as Command)));
      const delivered = ev.filter((e): e is Extract<Event, { kind: 'cqe' }> => e.kind === 'cqe' && e.req !== undefined);
      expect(delivered.length).toBe(Math.min(clients, nbufs, 4));
      // R7 reports the buffer in the header's ent_in_out.buf_id (April doc), not in the CQE flags.
      const ids = delivered.map((d) => d.req!.buf_id);
      expect(delivered.every((d) => d.buf_id === undefined)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toBeLessThan(nbufs);
      if (clients > delivered.length) {
        // Committing one request frees its buffer for the next pending one.
        const first = delivered[0]!;
        const after = await s.run({ kind: 'uring_cmd', tag: 'commit', sqe: { cmd_op: COMMIT, qid: 0, commit_id: first.req!.commit_id } });
        const next = after.filter((e) => e.kind === 'cqe' && e.req);
        expect(next.length).toBe(1);
      }
      await s.close();
    }), { seed: SEED, numRuns: tt.runs(40) });
  });
});

describe('buffer id reporting and zero-copy eligibility', () => {
  it('should encode R4 buffer id 5 as CQE flags 0x50001 and decode it back', () => {
    expect(cqeFlagsForBuffer(5)).toBe(0x50001);
    expect(bufferFromCqeFlags(0x50001)).toBe(5);
    expect(bufferFromCqeFlags(0x50000)).toBeNull();
  });

  it('should round-trip every 16-bit buffer id through CQE flags', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (id) => { expect(bufferFromCqeFlags(cqeFlagsForBuffer(id))).toBe(id); }), { seed: SEED });
  });

  it.each([
    ['READ', true, true, true], ['WRITE', true, true, true], ['GETATTR', true, true, false],
    ['READ', true, false, false], ['READ', false, false, false],
  ] as const)('should zero-copy a %s on a queue with bufring=%s zero_copy=%s: %s', (op, bufring, zero_copy, want) => {
    expect(canZeroCopyReq({ bufring, zero_copy }, { pages: op !== 'GETATTR' })).toBe(want);
  });
});
