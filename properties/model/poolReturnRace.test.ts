// A pool entry the woken client's next request beats back to its queue still holds its buffer: the other entry takes the next.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import type { Event } from '../../spec/conn/commands.js';
import type { CaseTrace, FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import { FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT, FUSE_IO_URING_CMD_ADD_QUEUE: ADD_QUEUE, FUSE_IO_URING_CMD_ADD_BUFPOOL: ADD_BUFPOOL } = FUSE_URING_CMD;

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
// furc vm on 7.3.4 (R8), seed 732, 1 of 3: pools of 4096-byte buffers on queues 0 and 1; a 262145-byte write served
// through entry s19's COMMITs, its last byte taken by s10 (the request beat s19's COMMIT back to the queue).
const steps = [{kind:  'uring_cmd', sqe:  {cmd_op: COMMIT, qid:  2, reply:  {unique:  'match', error:  0, payload_sz:  'exact'}}, commit:  {ref:  {delivered:  4}, sameQueue:  true}, tag:  's2'}, {kind:  'serve', tag:  's4'}, {kind:  'uring_cmd', sqe:  {cmd_op: COMMIT, qid:  0, reply:  {unique:  'match', error:  0, payload_sz:  'exact'}}, commit:  {ref:  {delivered:  0}, sameQueue:  true}, tag:  's7'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_QUEUE, qid:  0, flags:  1n}, tag:  's8'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_BUFPOOL, qid:  0, bufpool:  {addr:  'valid', len:  262144, reserved:  0}}, tag:  's9'}, {kind:  'uring_cmd', sqe:  {cmd_op: REGISTER, qid:  0, sqe_len:  2, iov_array:  'valid', iov:  [{len:  288, addr:  'valid', aligned:  true}, {len:  0, addr:  'null', aligned:  true}], ent_zero_copy_buf_index:  0}, tag:  's10'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_QUEUE, qid:  1, flags:  1n}, tag:  's11'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_BUFPOOL, qid:  1, bufpool:  {addr:  'valid', len:  262144, reserved:  0}}, tag:  's12'}, {kind:  'uring_cmd', sqe:  {cmd_op: REGISTER, qid:  1, sqe_len:  2, iov_array:  'valid', iov:  [{len:  288, addr:  'valid', aligned:  true}, {len:  0, addr:  'null', aligned:  true}], ent_zero_copy_buf_index:  1}, tag:  's13'}, {kind:  'client', op:  'create', cpu:  1, client:  0, file:  'new1', tag:  's14'}, {kind:  'uring_cmd', sqe:  {cmd_op: REGISTER, qid:  0, sqe_len:  2, iov_array:  'valid', iov:  [{len:  288, addr:  'valid', aligned:  true}, {len:  0, addr:  'null', aligned:  true}], ent_zero_copy_buf_index:  0}, tag:  's19'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_QUEUE, qid:  1, flags:  1n}, tag:  's20'}, {kind:  'uring_cmd', sqe:  {cmd_op: ADD_BUFPOOL, qid:  1, bufpool:  {addr:  'valid', len:  262144, reserved:  0}}, tag:  's21'}, {kind:  'serve', tag:  's24'}, {kind:  'client', op:  'write', cpu:  0, client:  0, size:  262145, tag:  's25'}, {kind:  'serve', tag:  's26'}] as Step[];
const c: FuzzCase = { config: { ...baseConfig('R8', 2), init: { flags: 2200103288832n, max_write: 4096, max_pages: 1 } }, steps };
const lastByte = (t: CaseTrace) => (t.steps[steps.length - 1] as Event[]).flatMap((e) => (e.kind === 'cqe' && e.req?.arg === '1@262144' ? [`${e.tag} offset ${e.req.offset}`] : []));

describe('a WRITE that beats a pool entry back to its queue', () => {
  it('should go to s26.64 at offset 0 when the trace does not say otherwise (the entry is back first and reuses its buffer)', async () => {
    expect(lastByte(await model.runCase(c))).toEqual(['s26.64 offset 0']);
  });

  it('should go to s10 at offset 8192 when the kernel put it there (s19 still held buffer 0, as 7.3.4 showed)', async () => {
    const seen: CaseTrace = { steps: steps.map((_, i) => (i === steps.length - 1 ? [{ kind: 'cqe', tag: 's10', res: 0, req: { opcode: FUSE_OPCODE.FUSE_WRITE, unique: 0n, commit_id: 0n, payload_sz: 1, nodeid: 5n, arg: '1@262144' } }] : [])), teardown: [] };
    expect(lastByte(await model.runCase(c, seen))).toEqual(['s10 offset 8192']);
  });
});
