// 7.3 installs a zero-copied request's pages at the entry's ent_zero_copy_buf_index of the ring's buffer table as it is
// now (io_buffer_register_bvec): a table the server's registered-pool arena made counts as much as a configured one.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { FOPEN, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_ZERO_COPY$R8 } from '../../spec/uapi/fuse_uring.js';
import { ERRNO } from '../../spec/errno.js';
import type { Event } from '../../spec/conn/commands.js';
import type { FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
const { FUSE_IO_URING_CMD_ADD_QUEUE: ADD_QUEUE, FUSE_IO_URING_CMD_ADD_BUFPOOL: ADD_BUFPOOL, FUSE_IO_URING_CMD_REGISTER: REGISTER } = FUSE_URING_CMD;
// A zero-copy queue with a plain 256 KiB pool and one entry whose zero-copy slot is the queue's id.
const queue = (qid: number): Step[] => [
  { kind: 'uring_cmd', tag: `q${qid}`, sqe: { cmd_op: ADD_QUEUE, qid, flags: FUSE_URING_ZERO_COPY$R8 } },
  { kind: 'uring_cmd', tag: `p${qid}`, sqe: { cmd_op: ADD_BUFPOOL, qid, bufpool: { addr: 'valid', len: 262144, reserved: 0 } } },
  { kind: 'uring_cmd', tag: `r${qid}`, sqe: { cmd_op: REGISTER, qid, sqe_len: 2, iov_array: 'valid', iov: [{ len: 288, addr: 'valid', aligned: true }, { len: 0, addr: 'null', aligned: true }], ent_zero_copy_buf_index: qid } },
];
/** The 4096-byte read's result after an open served on a FOPEN_IO_URING_ZERO_COPY file; `arenaSlot`: a fixed pool at that slot first. */
const read = async (arenaSlot: number | null) => {
  // A fixed pool of 0 bytes is refused (-EINVAL), but the server has put its arena in the table by then (placeFixedPool).
  const fixed: Step[] = arenaSlot === null ? [] : [{ kind: 'uring_cmd', tag: 'fixed', sqe: { cmd_op: ADD_BUFPOOL, qid: 0, fixed: true, buf_index: arenaSlot, bufpool: { addr: 'valid', len: 0, reserved: 0 } } }];
  const steps: Step[] = [...fixed, ...queue(0), ...queue(1), { kind: 'client', op: 'open', cpu: 0, file: 'empty', client: 0, tag: 'open' }, { kind: 'serve', tag: 'serve' },
    { kind: 'client', op: 'read', cpu: 0, client: 0, size: 4096, tag: 'read' }];
  const c: FuzzCase = { config: { ...baseConfig('R8', 2), open_flags: FOPEN.FOPEN_DIRECT_IO | FOPEN.FOPEN_IO_URING_ZERO_COPY }, steps };
  return ((await model.runCase(c)).steps.at(-1) as Event[]).flatMap((e): string[] => (e.kind === 'client_done' ? [`client_done ${e.res}`] : e.kind === 'cqe' && e.req ? [`cqe opcode ${e.req.opcode}`] : []));
};

describe("a zero-copied READ into slot 0 of the server's buffer table", () => {
  it('should end -EBUSY when a fixed pool put the arena in slot 0 (7.3.4 under furc vm, seed 741, 3/3)', async () => {
    expect(await read(0)).toEqual([`client_done ${-ERRNO.EBUSY}`]);
  });

  it('should deliver the READ when the arena went to slot 3 (slots 0-2 sparse; 7.3.4 under furc vm, seed 1000745, 3/3)', async () => {
    expect(await read(3)).toEqual([`cqe opcode ${FUSE_OPCODE.FUSE_READ}`]);
  });

  it('should end -EINVAL when nothing registered a table (slot 0 is past a table of none)', async () => {
    expect(await read(null)).toEqual([`client_done ${-ERRNO.EINVAL}`]);
  });
});
