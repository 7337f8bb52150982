// runCase: the step-by-step judgement, and the model following the kernel where the kernel may go either of two ways.
import { describe, expect, it } from 'vitest';
import { baseConfig, registerSqe } from '../spec/scenarios/families.js';
import type { Event } from '../spec/conn/commands.js';
import type { FuzzCase, Step } from '../src/target/case.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { FUSE_OPCODE } from '../spec/uapi/fuse_kernel.js';
import { runCase } from './runCase.js';

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);
const model = (m = {}) => new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }, {}, m);
const reg = (tag: string, qid: number): Step => ({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, 131072) });

// Two entries on queue 0; the create's LOOKUP is answered by a COMMIT, and the CREATE that follows at once from cpu 0
// takes either the committing entry (back on ent_avail_queue first) or s0 (the client got there first).
const racing: FuzzCase = {
  config: baseConfig('R0', 2),
  steps: [reg('s0', 0), reg('s1', 0), reg('q1', 1), { kind: 'client', tag: 'c', op: 'create', cpu: 0, client: 0, file: 'new' }, { kind: 'serve', tag: 'sv' }],
};

describe('runCase', () => {
  it('should judge all 5 steps when the CREATE after a COMMIT takes the other available entry s0, as the kernel may', async () => {
    // Unfollowed, the two ways differ at the serve: the case does race.
    const [usual, other] = await Promise.all([model().runCase(racing), model({ clientFirstAfterCommit: true }).runCase(racing)]);
    expect(JSON.stringify(usual.steps[4], big)).not.toBe(JSON.stringify(other.steps[4], big));
    const o = await runCase(model(), model({ clientFirstAfterCommit: true }), racing);
    expect(o.mismatchAt).toBeNull();
    expect(o.unjudged).toBeUndefined();
    expect(o.steps).toHaveLength(5);
    // The trace judged is the one where s0 delivered the CREATE (opcode 35), not the committing entry.
    expect(o.steps[4]!.observed.some((l) => l.startsWith('cqe s0 0 req(opcode=35'))).toBe(true);
  });

  it("should follow a kernel trace whose uniques count INIT too (every unique 2 higher than the model's)", async () => {
    const other = await model({ clientFirstAfterCommit: true }).runCase(racing);
    // The kernel's fuse_get_unique() gave INIT unique 2, so its first request is 4 where the model's is 2.
    const kernelLike = { ...other, steps: other.steps.map((s) => (Array.isArray(s) ? (s as Event[]).map((e) => (e.kind === 'cqe' && e.req ? { ...e, req: { ...e.req, unique: e.req.unique + 2n, commit_id: e.req.commit_id + 2n } } : e)) : s)) };
    const followed = await model().runCase(racing, kernelLike);
    expect(JSON.stringify(followed.steps[4], big)).toBe(JSON.stringify(other.steps[4], big));
  });

  it('should judge all 6 steps when the CREATE takes the other entry s0, whose header faults (-EFAULT, no CQE)', async () => {
    const faulting: FuzzCase = { ...racing, steps: [...racing.steps.slice(0, 3), { kind: 'mem', region: 'header', prot: 'none', part: 'tail', entry: 's0' }, ...racing.steps.slice(3)] };
    const [usual, other] = await Promise.all([model().runCase(faulting), model({ clientFirstAfterCommit: true }).runCase(faulting)]);
    // Unfollowed, the two ways differ at the serve: the CREATE succeeds in s1, or faults in s0.
    expect(JSON.stringify(usual.steps[5], big)).not.toBe(JSON.stringify(other.steps[5], big));
    expect(JSON.stringify(other.steps[5], big)).toContain('"res":-14');
    const o = await runCase(model(), model({ clientFirstAfterCommit: true }), faulting);
    expect(o.mismatchAt).toBeNull();
    expect(o.steps).toHaveLength(6);
  });

  it('should follow the kernel when an OPEN finds the entry a RELEASE just faulted in still out, and takes s0', async () => {
    // furc fuzz --jobs 2 seed 21: s2's header faults; the re-open's FLUSH and RELEASE fault in s2, whose return (task
    // work in the server) races the client's OPEN. The model's usual way: the OPEN faults in s2 too.
    const c: FuzzCase = {
      config: baseConfig('R0', 2),
      steps: [reg('s0', 0), reg('s1', 1), reg('s2', 0), { kind: 'mem', region: 'header', prot: 'none', part: 'all', entry: 's2' },
        { kind: 'client', tag: 'o1', op: 'open', cpu: 1, file: 'empty', client: 2 }, { kind: 'serve', tag: 'sv' },
        { kind: 'client', tag: 'o2', op: 'open', cpu: 0, file: 'empty', client: 2 }],
    };
    const usual = await model().runCase(c);
    expect(JSON.stringify(usual.steps[6], big)).toContain('"res":-14');
    const open = { kind: 'cqe', tag: 's0', res: 0, req: { opcode: FUSE_OPCODE.FUSE_OPEN, unique: 12n, commit_id: 12n, payload_sz: 0, nodeid: 2n } } as Event;
    const kernelLike = { ...usual, steps: [...usual.steps.slice(0, 6), [open]] };
    const followed = await model().runCase(c, kernelLike);
    expect(JSON.stringify(followed.steps[6], big)).toContain('"tag":"s0"');
  });

  it('should still find the entries-oldest-first mutant at the first delivery, where no COMMIT is returning an entry', async () => {
    const o = await runCase(model(), model({ oldestEntryFirst: true }), racing);
    expect(o.mismatchAt).toBe(3);
  });
});
