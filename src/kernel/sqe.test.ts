// SQEs cut from shared zeroed slabs: each caller's bytes stay its own, across a slab's end too.
import { describe, expect, it } from 'vitest';
import { decode } from '../../spec/codec/codec.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { IORING_OP_URING_CMD } from '../../spec/uapi/io_uring.js';
import { uringCmdSqe } from './sqe.js';

const R0 = revision('R0');
const COMMIT = FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH;
const SQE = R0.lookup('io_uring_sqe$uring_cmd');
const CMD = SQE.fields.find((f) => f.name === 'cmd')!.offset;

describe('uringCmdSqe', () => {
  it('should keep each of 200 SQEs (three 8 KiB slabs of 64) as it was made: user_data i, commit_id 1000 + i, the cmd bytes past the cmd_req zero', () => {
    const made = Array.from({ length: 200 }, (_, i) => uringCmdSqe(R0, 5, BigInt(i), { cmd_op: COMMIT, qid: i % 2 }, 1000n + BigInt(i), { iovArray: 0n, bufpool: 0n }));
    made.forEach((b, i) => {
      expect(b.length).toBe(SQE.size);
      const d = decode(SQE, b, R0.lookup);
      expect([d.opcode, d.fd, d.cmd_op, d.user_data, d.addr]).toEqual([IORING_OP_URING_CMD, 5, COMMIT, BigInt(i), 0n]);
      expect(decode(R0.lookup(R0.cmdReq), b, R0.lookup, CMD)).toMatchObject({ commit_id: 1000n + BigInt(i), qid: i % 2 });
      expect(b.subarray(CMD + R0.lookup(R0.cmdReq).size).every((x) => x === 0)).toBe(true);
    });
    // No two share a byte: writing one leaves every other as it was.
    made[0]!.fill(0xff);
    expect(decode(SQE, made[1]!, R0.lookup).user_data).toBe(1n);
    const ids = new Map<ArrayBufferLike, number>();
    expect(new Set(made.map((b) => `${ids.get(b.buffer) ?? ids.set(b.buffer, ids.size).size - 1}:${b.byteOffset}`)).size).toBe(200);
  });
});
