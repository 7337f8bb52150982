// A COMMIT refused before the kernel reads memory leaves the server's reply in the entry: the next COMMIT reads it.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import type { Event, UringCmdSpec } from '../../spec/conn/commands.js';
import type { FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;
const { FUSE_IO_URING_CMD_ADD_QUEUE: ADD_QUEUE, FUSE_IO_URING_CMD_ADD_BUFPOOL: ADD_BUFPOOL } = FUSE_URING_CMD;
const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
type Commit = Extract<Step, { kind: 'uring_cmd' }>['commit'];
const cmd = (tag: string, sqe: UringCmdSpec, commit?: Commit): Step => ({ kind: 'uring_cmd', tag, sqe, ...(commit ? { commit } : {}) });
const ok = { unique: 'match', error: 0, payload_sz: 'exact' } as const;
// A queue with a registered-buffer pool (fixed, slot 3) and one entry whose payload comes from it.
const queue = (qid: number, n: number): Step[] => [
  cmd(`s${n}`, { cmd_op: ADD_QUEUE, qid, flags: 0n }),
  cmd(`s${n + 1}`, { cmd_op: ADD_BUFPOOL, qid, bufpool: { addr: 'valid', len: 262144, reserved: 0 }, fixed: true, buf_index: 3 }),
  cmd(`s${n + 2}`, { cmd_op: REGISTER, qid, sqe_len: 2, iov_array: 'valid', iov: [{ len: 288, addr: 'valid', aligned: true }, { len: 0, addr: 'null', aligned: true }], fixed: true, buf_index: 3 }),
];

describe('a COMMIT after one refused before memory', () => {
  it("should answer the client's GETATTR with the first COMMIT's reply: s7 (fixed:false on a fixed pool) -EINVAL, then s8 (fixed:true) ends client#1 with 0", async () => {
    // furc vm on Debian 7.3.4 (R8), seed 1000075, 3 of 3: the model had the later COMMIT carry an empty reply (-EINVAL).
    const c: FuzzCase = {
      config: { ...baseConfig('R8', 2), init: { flags: 2200103288832n, max_write: 65536, max_pages: 32 } },
      steps: [{ kind: 'client', op: 'stat', cpu: 0, tag: 's0' }, ...queue(0, 1), ...queue(1, 4),
        cmd('s7', { cmd_op: COMMIT, qid: 0, reply: ok }, { ref: { delivered: 0 }, sameQueue: true }),
        cmd('s8', { cmd_op: COMMIT, qid: 0, reply: ok, fixed: true, buf_index: 3 }, { ref: { delivered: 0 }, sameQueue: true })],
    };
    const t = await model.runCase(c);
    const show = (evs: Event[]) => evs.map((e) => (e.kind === 'cqe' ? `cqe ${e.tag} ${e.res}` : e.kind === 'client_done' ? `client_done ${e.tag} ${e.res}` : e.kind));
    expect(show(t.steps[6] as Event[])[0]).toMatch(/^cqe s3 0/);
    expect(show(t.steps[7] as Event[])).toEqual(['cqe s7 -22']);
    expect(show(t.steps[8] as Event[])).toEqual(['client_done s0 0']);
  });
});
