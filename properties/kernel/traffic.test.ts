// Where requests go: over the ring once it is ready, over /dev/fuse otherwise; never a silent fallback.
import { describe, expect, it } from 'vitest';
import type { Command, Event } from '../../spec/conn/commands.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;

const config = baseConfig('R0', NR_CPUS);
const max = maxPayloadSz(config.init!, revision('R0').a);
const register = (q: number, tag: string): Command => ({ kind: 'uring_cmd', tag, sqe: registerSqe(q, max) });

describe.each(tTargets().map((t) => [t.name, t] as const))('request routing (%s)', (_n, tt) => {
  it('should deliver 6 client stats as 6 GETATTR CQEs with commit_id == unique and none on /dev/fuse', async (ctx) => {
    const target = await tReady(ctx, tt, 'R0');
    const s = await target.open(config);
    const ev: Event[] = [];
    try {
      for (let q = 0; q < NR_CPUS; q++) ev.push(...(await s.run(register(q, `reg.${q}`))));
      for (let i = 0; i < 6; i++) {
        const got = await s.run({ kind: 'client', tag: `c${i}`, op: 'stat', cpu: i % NR_CPUS });
        ev.push(...got);
        const cqe = got.find((e) => e.kind === 'cqe' && e.req);
        expect(cqe, `stat ${i} did not reach the ring`).toBeDefined();
        if (cqe?.kind !== 'cqe' || !cqe.req) continue;
        expect(cqe.req.opcode).toBe(FUSE_OPCODE.FUSE_GETATTR);
        expect(cqe.req.commit_id).toBe(cqe.req.unique);
        expect(cqe.req.payload_sz).toBe(0);
        const done = await s.run({ kind: 'uring_cmd', tag: `commit.${i}`, sqe: { cmd_op: COMMIT, qid: i % NR_CPUS, commit_id: cqe.req.commit_id } });
        ev.push(...done);
        expect(done.filter((e) => e.kind === 'client_done')).toEqual([{ kind: 'client_done', tag: `c${i}`, res: 0 }]);
      }
    } finally { await s.close(); }
    expect(ev.filter((e) => e.kind === 'cqe' && e.req).length).toBe(6);
    expect(ev.filter((e) => e.kind === 'dev_request')).toEqual([]);
  });

  it('should send a stat over /dev/fuse when the server did not negotiate FUSE_OVER_IO_URING', async (ctx) => {
    const target = await tReady(ctx, tt, 'R0');
    const s = await target.open({ ...config, enable_uring: false });
    try {
      const ev = await s.run({ kind: 'client', tag: 'c', op: 'stat', cpu: 0 });
      expect(ev.map((e) => e.kind)).toEqual(['dev_request']);
      expect(await s.run({ kind: 'dev_reply', error: 0 })).toEqual([{ kind: 'client_done', tag: 'c', res: 0 }]);
    } finally { await s.close(); }
  });
});
