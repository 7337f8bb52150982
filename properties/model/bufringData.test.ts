// File data through R4 and R7 buffer-ring queues: the client's bytes arrive and return, and the buffer ids the server is
// told follow each series' documented order (a FIFO ring; R4 keeps a buffer for a queued next request, R7 recycles it).
import { describe, expect, it } from 'vitest';
import type { Command, ConnConfig, Event, UringCmdSpec } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../../spec/uapi/fuse_uring.js';
import { encodeR7Flags } from '../../spec/rules/r7.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_OPCODE as O } from '../../spec/uapi/fuse_kernel.js';
import type { RevisionId } from '../../spec/types.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER } = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

type Cqe = Extract<Event, { kind: 'cqe' }>;
const a7 = revision('R7').a;
const max = maxPayloadSz(baseConfig('R7', NR_CPUS).init!, a7);

/** A connection whose payload ring holds `nbufs` buffers: R4's is the server's kmbuf ring, R7's is cut from the payload iovec. */
const SETUPS: Record<'R4' | 'R7', (nbufs: number) => { config: ConnConfig; register: (qid: number) => UringCmdSpec }> = {
  R4: (nbufs) => ({
    config: { ...baseConfig('R4', NR_CPUS), ring_setup: { kmbuf_bgid0: true, kmbuf_nbufs: nbufs, fixed_buffers: 1 } },
    register: (qid) => ({ cmd_op: REGISTER, qid, init_flags$R4: FUSE_URING_BUF_RING$R4, buf_index: 0 }),
  }),
  R7: (nbufs) => {
    const flags = encodeR7Flags({ bufring: true, pinned_headers: false, pinned_buffers: false, zero_copy: false }, a7);
    return {
      config: baseConfig('R7', NR_CPUS),
      register: (qid) => ({
        cmd_op: REGISTER, qid, flags, queue_depth: 4, buf_size: max, buf_index: 0, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid',
        iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: nbufs * max, addr: 'valid', aligned: true }],
      }),
    };
  },
};
const setup = (rev: 'R4' | 'R7', nbufs: number) => SETUPS[rev](nbufs);

/** Where the server reads a delivered request's buffer id: the CQE flags (R4) or ent_in_out.buf_id (R7), as its revision says. */
const inCqe = (rev: RevisionId): boolean => revision(rev).bufferReport === 'cqe_flags';
const bufOf = (rev: RevisionId, c: Cqe): number | undefined => (inCqe(rev) ? c.buf_id : c.req?.buf_id);
const delivered = (ev: Event[]): Cqe[] => ev.filter((e): e is Cqe => e.kind === 'cqe' && e.req !== undefined);
const name = (opcode: number) => Object.entries(O).find(([, v]) => v === opcode)?.[0].replace('FUSE_', '') ?? String(opcode);

/** One entry on every queue (so the ring is ready), then the steps; every delivered request, in order. */
async function runOn(s: { run: (c: Command) => Promise<Event[]> }, register: (qid: number) => UringCmdSpec, steps: Command[]): Promise<Event[]> {
  const ev: Event[] = [];
  for (let q = 0; q < NR_CPUS; q++) ev.push(...(await s.run({ kind: 'uring_cmd', tag: `reg.${q}`, sqe: register(q) })));
  for (const c of steps) ev.push(...(await s.run(c)));
  return ev;
}

const fileSteps: Command[] = [
  { kind: 'client', tag: 'open', op: 'open', file: 'small', cpu: 0, client: 0 }, { kind: 'serve', tag: 's.open' },
  { kind: 'client', tag: 'write', op: 'write', size: 4096, offset: 0, cpu: 0, client: 0 }, { kind: 'serve', tag: 's.write' },
  { kind: 'client', tag: 'read', op: 'read', size: 4096, offset: 0, cpu: 0, client: 0 }, { kind: 'serve', tag: 's.read' },
  { kind: 'client', tag: 'close', op: 'close', cpu: 0, client: 0 }, { kind: 'serve', tag: 's.close' },
];

describe.each(tTargets().map((t) => [t.name, t] as const))('R4 and R7 buffer rings moving file data (%s)', (_n, tt) => {
  // R4: a buffer is selected only for a request with payload to copy (002:47-48) and its id is in the CQE flags (002:52-54);
  // with no next request queued the buffer goes back to the ring (002:60-61), whose FIFO order (spec audit B3) hands out 1
  // next. R7: the id is in ent_in_out (April doc) and every request's buffer is recycled after it (April doc).
  it.for(['R4', 'R7'] as const)('should write 4096 bytes of "small" and read them back through a 2-buffer %s ring, the server told buffers 0, 1, 0, 1 for LOOKUP, OPEN, WRITE, READ and none for FLUSH and RELEASE', async (rev, ctx) => {
    const target = await tReady(ctx, tt, rev);
    const { config, register } = setup(rev, 2);
    const s = await target.open(config);
    try {
      const ev = await runOn(s, register, fileSteps);
      const done = ev.filter((e) => e.kind === 'client_done');
      expect(done).toEqual([
        { kind: 'client_done', tag: 'open', res: 0 },
        { kind: 'client_done', tag: 'write', res: 4096 },
        { kind: 'client_done', tag: 'read', res: 4096, data: 'ok' },
        { kind: 'client_done', tag: 'close', res: 0 },
      ]);
      const reqs = delivered(ev);
      expect(reqs.find((c) => c.req!.opcode === O.FUSE_WRITE)?.req).toMatchObject({ payload_sz: 4096, data: 'ok' });
      expect(reqs.map((c) => [name(c.req!.opcode), bufOf(rev, c)])).toEqual([
        ['LOOKUP', 0], ['OPEN', 1], ['WRITE', 0], ['READ', 1], ['FLUSH', undefined], ['RELEASE', undefined],
      ]);
      // Each series reports the id in one place only.
      expect(reqs.every((c) => (inCqe(rev) ? c.req!.buf_id === undefined : c.buf_id === undefined))).toBe(true);
    } finally { await s.close(); }
  });

  // April doc: buffers "selected on demand, recycled after each request"; the ring is FIFO (struct fuse_bufring head/tail).
  it('should cycle six GETATTRs of one R7 client through buffers 0, 1, 2, 0, 1, 2 of a 3-buffer ring', async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { config, register } = setup('R7', 3);
    const s = await target.open(config);
    try {
      const steps: Command[] = Array.from({ length: 6 }, (_, i) => [
        { kind: 'client' as const, tag: `stat.${i}`, op: 'stat' as const, cpu: 0, client: 0 }, { kind: 'serve' as const, tag: `s.${i}` },
      ]).flat();
      const reqs = delivered(await runOn(s, register, steps));
      expect(reqs.map((c) => c.req!.buf_id)).toEqual([0, 1, 2, 0, 1, 2]);
    } finally { await s.close(); }
  });

  // One entry on queue 0: the second client's GETATTR waits on the queue until the first is committed, then the entry
  // takes it at once. R4 "will reuse the same selected buffer for the request" (002:59-60); R7 recycles buffer 0 to the
  // ring's tail first, so the waiting request gets the head, 1.
  it.for([['R4', 0], ['R7', 1]] as const)('should give a GETATTR queued behind a committed one on a single-entry %s queue buffer %i', async ([rev, want], ctx) => {
    const target = await tReady(ctx, tt, rev);
    const { config, register } = setup(rev, 2);
    const s = await target.open(config);
    try {
      const ev = await runOn(s, register, [
        { kind: 'client', tag: 'a', op: 'stat', cpu: 0, client: 0 },
        { kind: 'client', tag: 'b', op: 'stat', cpu: 0, client: 1 },
        { kind: 'serve', tag: 's' },
      ]);
      expect(delivered(ev).map((c) => bufOf(rev, c))).toEqual([0, want]);
      expect(ev.filter((e) => e.kind === 'client_done').map((e) => e.kind === 'client_done' && e.res)).toEqual([0, 0]);
    } finally { await s.close(); }
  });
});
