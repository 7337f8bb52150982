// Where the model hands the order to the scheduler (CaseTrace.schedulerOrder.from: the last step still compared).
import { describe, expect, it } from 'vitest';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import type { FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
const reg = (tag: string, qid: number): Step => ({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, 131072) });
const open = (tag: string, client: number, cpu: number, file: string): Step => ({ kind: 'client', tag, op: 'open', cpu, client, file });

describe('scheduler order', () => {
  it("should leave the serve step unjudged (from 4) when client 0's answered LOOKUP wakes clients 1 and 2, waiting on its in-lookup name, whose requests go through the ring", async () => {
    // Client 0's LOOKUP of "big" is answered ENOENT-free by the serve; d_lookup_done() wakes clients 1 and 2 at once.
    const c: FuzzCase = { config: baseConfig('R0', 2), steps: [reg('s0', 0), reg('q1', 1), open('a', 0, 0, 'big'), open('b', 1, 0, 'big'), open('c', 2, 1, 'big'), { kind: 'serve', tag: 'sv' }] };
    const t = await model.runCase(c);
    expect(t.schedulerOrder?.why).toMatch(/client 0 woke client 1/);
    expect(t.schedulerOrder?.from).toBe(4);
  });

  it('should still judge the dev_reply step (from 3) when the same race sends its requests to /dev/fuse, where they are untagged', async () => {
    const config = baseConfig('R0', 2);
    const noUring = { ...config, init: config.init && { ...config.init, flags: config.init.flags & ~FUSE_INIT_FLAG.FUSE_OVER_IO_URING } };
    const c: FuzzCase = { config: noUring, steps: [open('a', 0, 0, 'big'), open('b', 1, 0, 'empty'), open('c', 2, 0, 'big'), { kind: 'dev_reply', error: 0 }] };
    const t = await model.runCase(c);
    expect(t.schedulerOrder?.from).toBe(3);
  });

  it('should leave the REGISTER that makes the ring ready unjudged (from 2) when it wakes a stat and an open whose LOOKUP faults in the new entry', async () => {
    // furc fuzz --jobs 2 seed 41 under load, 3/3: the LOOKUP ran first, faulted in s3 (payload at NULL), and the GETATTR took s3.
    const faulting = registerSqe(1, 1048576);
    const s3: Step = { kind: 'uring_cmd', tag: 's3', sqe: { ...faulting, iov: [faulting.iov![0]!, { ...faulting.iov![1]!, addr: 'null' }] } };
    const c: FuzzCase = { config: baseConfig('R0', 2), steps: [{ kind: 'uring_cmd', tag: 's0', sqe: registerSqe(0, 1048576) },
      { kind: 'client', tag: 's1', op: 'stat', cpu: 1 }, open('s2', 1, 1, 'empty'), s3] };
    const t = await model.runCase(c);
    expect(t.schedulerOrder?.why).toMatch(/2 unlike requests woken together for queue 1/);
    expect(t.schedulerOrder?.from).toBe(2);
  });

  it('should leave server_exit unjudged (from 1) when a client waits for an INIT the server read and never answered', async () => {
    // Two busy loops, 1 of 3: the stat woke to conn_error (fuse_dev_release ended INIT) before connected went 0.
    const c: FuzzCase = { config: { ...baseConfig('R0', 2), init: null }, steps: [reg('s0', 0), { kind: 'client', tag: 's', op: 'stat', cpu: 1 }, { kind: 'server_exit' }] };
    const t = await model.runCase(c);
    expect(t.schedulerOrder?.why).toMatch(/1 clients waiting for INIT race fuse_abort_conn/);
    expect(t.schedulerOrder?.from).toBe(1);
  });
});
