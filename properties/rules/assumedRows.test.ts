// R7 rows no seed shows exist only by their r7.check.* assumption (its value is the errno, 0 drops the row), and the
// choices the seed leaves open (where the CAP check runs, later REGISTERs' iovecs, a failed setup's queue) follow theirs.
import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { ERRNO } from '../../spec/errno.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { encodeR7Flags } from '../../spec/rules/r7.js';
import { checksOf } from '../../spec/rules/engine.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import type { AssumptionValues } from '../../spec/types.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import { runScenario, type ProbeOutcome } from '../../src/target/runScenario.js';
import { NR_CPUS } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER } = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

const a = revision('R7').a;
const config = baseConfig('R7', NR_CPUS);
const max = maxPayloadSz(config.init!, a);
const BHP = encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: false }, a);
const H = encodeR7Flags({ bufring: false, pinned_headers: true, pinned_buffers: false, zero_copy: false }, a);
/** A first BUFRING REGISTER on qid 0: queue_depth 4, buffers of max_payload_sz, a payload iovec of two buffers. */
const first = (patch: Partial<UringCmdSpec> = {}): UringCmdSpec => ({
  cmd_op: REGISTER, qid: 0, flags: BHP, queue_depth: 4, buf_size: max, buf_index: 0, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid',
  iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: true }], ...patch,
});
const run = async (overrides: AssumptionValues, probe: UringCmdSpec): Promise<ProbeOutcome> =>
  (await runScenario(new ModelTarget({ nr_cpus: NR_CPUS, caps: config.caps }, overrides), { config, prior: [], probe })).outcome;
const EINVAL = { kind: 'cqe', res: -ERRNO.EINVAL };
const HELD = { kind: 'held' };

describe('R7 rows whose existence is assumed (model)', () => {
  const existence = ASSUMPTIONS.filter((x) => x.id.startsWith('r7.check.'));

  it.each(existence.map((x) => [x.id] as const))('should drop exactly the row resting on %s when it is overridden to 0', (id) => {
    const rows = (o: AssumptionValues) => checksOf(revision('R7', o).tables.register!.rows);
    const resting = rows({}).filter((r) => r.source.assumption === id).map((r) => r.id);
    expect(resting).toHaveLength(1);
    expect(rows({ [id]: 0n }).map((r) => r.id)).toEqual(rows({}).map((r) => r.id).filter((r) => r !== resting[0]));
  });

  it('should answer flag bit 40 with -EINVAL by default, -EOPNOTSUPP (95) when r7.check.unknown_flags is -95, and hold it at 0', async () => {
    const probe = first({ flags: BHP | (1n << 40n) });
    expect(await run({}, probe)).toEqual(EINVAL);
    expect(await run({ 'r7.check.unknown_flags': -BigInt(ERRNO.EOPNOTSUPP) }, probe)).toEqual({ kind: 'cqe', res: -ERRNO.EOPNOTSUPP });
    expect(await run({ 'r7.check.unknown_flags': 0n }, probe)).toEqual(HELD);
  });

  it('should hold a first REGISTER with PINNED_HEADERS alone (a plain queue) once r7.check.pinned_without_bufring is 0', async () => {
    expect(await run({}, first({ flags: H }))).toEqual(EINVAL);
    expect(await run({ 'r7.check.pinned_without_bufring': 0n }, first({ flags: H }))).toEqual(HELD);
  });

  it('should still answer queue_depth 0 with -EINVAL from the buf_index range check once r7.check.queue_depth_zero is 0, and hold it with both at 0', async () => {
    const probe = first({ queue_depth: 0 });
    expect(await run({ 'r7.check.queue_depth_zero': 0n }, probe)).toEqual(EINVAL);
    expect(await run({ 'r7.check.queue_depth_zero': 0n, 'r7.check.buf_index_range': 0n }, probe)).toEqual(HELD);
  });

  it(`should hold a payload iovec of ${max - 1} bytes for buffers of ${max} bytes once r7.check.nr_bufs_zero is 0`, async () => {
    const probe = first({ iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: max - 1, addr: 'valid', aligned: true }] });
    expect(await run({}, probe)).toEqual(EINVAL);
    expect(await run({ 'r7.check.nr_bufs_zero': 0n }, probe)).toEqual(HELD);
  });

  it('should answer a second REGISTER with buf_index 0 on queue 0 with -EINVAL, and hold it once r7.check.buf_index_duplicate is 0', async () => {
    const twice = async (o: AssumptionValues) => (await runScenario(new ModelTarget({ nr_cpus: NR_CPUS, caps: config.caps }, o),
      { config, prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: first() }], probe: first() })).outcome;
    expect(await twice({})).toEqual(EINVAL);
    expect(await twice({ 'r7.check.buf_index_duplicate': 0n })).toEqual(HELD);
  });

  it('should hold buf_index 4 on a queue_depth-4 queue once r7.check.buf_index_range is 0', async () => {
    expect(await run({}, first({ buf_index: 4 }))).toEqual(EINVAL);
    expect(await run({ 'r7.check.buf_index_range': 0n }, first({ buf_index: 4 }))).toEqual(HELD);
  });
});

describe('R7 choices the seed leaves open, by their assumptions (model)', () => {
  const twice = async (o: AssumptionValues, cfg: typeof config, sqe1: UringCmdSpec, sqe2: UringCmdSpec) =>
    (await runScenario(new ModelTarget({ nr_cpus: NR_CPUS, caps: cfg.caps }, o), { config: cfg, prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: sqe1 }], probe: sqe2 })).outcome;

  it('should answer a first BUFRING REGISTER with a 1151-byte headers iovec -EINVAL and then hold the same REGISTER with 1152 bytes: the failed setup kept no queue', async () => {
    const short = first({ iov: [{ len: 4 * HEADER - 1, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: true }] });
    expect(await run({}, short)).toEqual(EINVAL);
    expect(await twice({}, config, short, first())).toEqual(HELD);
    // Were the queue kept, it would be a plain one, and the BUFRING REGISTER inconsistent with it.
    expect(await twice({ 'r7.queue.kept_after_failed_setup': 1n }, config, short, first())).toEqual(EINVAL);
  });

  it('should hold a second REGISTER on a BUFRING queue with sqe->len 0 and no iovecs, and answer it -EINVAL when r7.later_register.iovecs is 1', async () => {
    const bare = first({ buf_index: 1, sqe_len: 0, iov: [] });
    expect(await twice({}, config, first(), bare)).toEqual(HELD);
    expect(await twice({ 'r7.later_register.iovecs': 1n }, config, first(), bare)).toEqual(EINVAL);
  });

  it('should answer BUFRING|PINNED_*|ZERO_COPY on a BHP queue without CAP_SYS_ADMIN as inconsistent (-EINVAL), and -EPERM when r7.zero_copy_cap.every_register is 1', async () => {
    const noAdmin = { ...config, caps: { ...config.caps, CAP_SYS_ADMIN: false } };
    const bhpz = first({ buf_index: 1, flags: encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: true }, a) });
    expect(await twice({}, noAdmin, first(), bhpz)).toEqual(EINVAL);
    expect(await twice({ 'r7.zero_copy_cap.every_register': 1n }, noAdmin, first(), bhpz)).toEqual({ kind: 'cqe', res: -ERRNO.EPERM });
  });
});
