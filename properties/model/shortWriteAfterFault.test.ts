// A direct write's later chunk that beats its entry back goes to an entry whose header faults: the write returns short.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import type { Event } from '../../spec/conn/commands.js';
import type { CaseTrace, FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import { FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { ERRNO } from '../../spec/errno.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;
const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });

// 6.18.44 under two busy loops, furc fuzz --jobs 2 seed 71, case 21228 (1 of 3; 1 of 12 replays): reg.0's header is
// PROT_NONE and available on queue 0 when a 2097153-byte write's last byte is sent.
const entry = (len: number) => [{ len: 288, addr: 'valid', aligned: true }, { len, addr: 'valid', aligned: true }];
const steps = [
  { kind: 'uring_cmd', tag: 'reg.0', sqe: { cmd_op: REGISTER, qid: 0, sqe_len: 2, iov_array: 'valid', iov: entry(131072) } },
  { kind: 'uring_cmd', tag: 'reg.1', sqe: { cmd_op: REGISTER, qid: 1, sqe_len: 2, iov_array: 'valid', iov: entry(131072) } },
  { kind: 'client', tag: 'client.0', op: 'stat', cpu: 0 },
  { kind: 'mem', region: 'header', entry: 'reg.0', prot: 'none', part: 'all' },
  { kind: 'uring_cmd', tag: 'probe', sqe: { cmd_op: COMMIT, qid: 0, commit_id: 'current', reply: { unique: 'match', error: 0, payload_sz: 'exact' } } },
  { kind: 'uring_cmd', tag: 's5', sqe: { cmd_op: REGISTER, qid: 0, sqe_len: 2, iov_array: 'valid', flags: 0n, buf_index: 0, iov: entry(131073) } },
  { kind: 'mem', region: 'header', prot: 'none', part: 'tail', entry: 'reg.0' },
  { kind: 'client', op: 'open', cpu: 1, client: 1, file: 'big', tag: 's7' },
  { kind: 'client', op: 'read', cpu: 0, client: 2, size: 4096, tag: 's8' },
  { kind: 'uring_cmd', sqe: { cmd_op: COMMIT, qid: 0, reply: { unique: 'match', error: -ERRNO.ERESTARTSYS, payload_sz: 'exact' } }, commit: { ref: { delivered: 2 }, sameQueue: true }, tag: 's9' },
  { kind: 'client', op: 'create', cpu: 0, file: 'small', client: 2, tag: 's10' },
  { kind: 'serve', tag: 's11' },
  { kind: 'client', op: 'write', cpu: 0, client: 2, size: 1, tag: 's12' },
  { kind: 'serve', tag: 's13' },
  { kind: 'client', op: 'write', cpu: 0, client: 2, size: 1, tag: 's14' },
  { kind: 'serve', tag: 's15' },
  { kind: 'client', op: 'write', cpu: 0, client: 2, size: 2097153, tag: 's16' },
  { kind: 'serve', tag: 's17' },
] as Step[];
const c: FuzzCase = { config: { ...baseConfig('R0', 2), init: { flags: 2200101191680n, max_write: 131072, max_pages: 32 } }, steps };
const last = (t: CaseTrace) => t.steps[steps.length - 1] as Event[];
const lastByte = (e: Event) => e.kind === 'cqe' && e.req?.opcode === FUSE_OPCODE.FUSE_WRITE && e.req.arg === '1@2097154';
const written = (t: CaseTrace) => last(t).flatMap((e) => (e.kind === 'client_done' && e.tag === 's16' ? [e.res] : []));

describe('the last chunk of a direct write that beats its entry back to queue 0', () => {
  it('should reach the server and complete all 2097153 bytes when the trace does not say otherwise', async () => {
    const t = await model.runCase(c);
    expect(last(t).some(lastByte)).toBe(true);
    expect(written(t)).toEqual([2097153]);
  });

  it('should end the write at 2097152 bytes when no CQE carried the last byte and the write ended (it faulted in reg.0)', async () => {
    const own = await model.runCase(c);
    // The kernel's trace of the last step: every chunk the model delivered but the last byte, and the write's end.
    const seen: CaseTrace = {
      steps: own.steps.map((s, i) => (i === steps.length - 1
        ? [...(s as Event[]).filter((e) => e.kind === 'cqe' && !lastByte(e)), { kind: 'client_done', tag: 's16', res: 2097152 }]
        : s)),
      teardown: [],
    };
    const t = await model.runCase(c, seen);
    expect(last(t).some(lastByte)).toBe(false);
    expect(written(t)).toEqual([2097152]);
  });
});
