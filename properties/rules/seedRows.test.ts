// Rows a line of a seed (or the v4 code the spec audit read) decides: the concrete REGISTER that line accepts or rejects.
import { describe, expect, it } from 'vitest';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4, FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../../spec/uapi/fuse_uring.js';
import { encodeR7Flags } from '../../spec/rules/r7.js';
import { revision } from '../../spec/revisions.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { ERRNO } from '../../spec/errno.js';
import { runScenario } from '../../src/target/runScenario.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER } = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

const r4 = (init_flags$R4: number, queue_depth: number): UringCmdSpec => ({ cmd_op: REGISTER, qid: 0, init_flags$R4, queue_depth, buf_index: 0 });

describe.each(tTargets().map((t) => [t.name, t] as const))('R4 REGISTER rows against the v4 code (%s)', (_n, tt) => {
  // v4 fuse_uring_buf_ring_setup reads init.queue_depth only inside `if (zero_copy)` (spec audit §4, R4).
  it('should hold a first BUF_RING REGISTER with queue_depth 0, which v4 never reads without ZERO_COPY', async (ctx) => {
    const target = await tReady(ctx, tt, 'R4');
    const { outcome } = await runScenario(target, { config: baseConfig('R4', NR_CPUS), prior: [], probe: r4(FUSE_URING_BUF_RING$R4, 0) });
    expect(outcome).toEqual({ kind: 'held' });
  });

  it('should answer -EINVAL (22) to a first BUF_RING|ZERO_COPY REGISTER with queue_depth 0', async (ctx) => {
    const target = await tReady(ctx, tt, 'R4');
    const { outcome } = await runScenario(target, { config: baseConfig('R4', NR_CPUS), prior: [], probe: r4(FUSE_URING_BUF_RING$R4 | FUSE_URING_ZERO_COPY$R4, 0) });
    expect(outcome).toEqual({ kind: 'cqe', res: -ERRNO.EINVAL });
  });
});

const r7a = revision('R7').a;
const r7config = baseConfig('R7', NR_CPUS);
const max = maxPayloadSz(r7config.init!, r7a);
const BHPZ = encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: true }, r7a);
const r7 = (buf_size: number): UringCmdSpec => ({
  cmd_op: REGISTER, qid: 0, flags: BHPZ, queue_depth: 4, buf_size, buf_index: 0, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid',
  iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: true }],
});

describe.each(tTargets().map((t) => [t.name, t] as const))('R7 zero-copy buf_size against 13/14 (%s)', (_n, tt) => {
  // 001@13243: "if (!zero_copy && buf_size < queue->ring->max_payload_sz) return -EINVAL;"
  it(`should hold a first BUFRING|PINNED_*|ZERO_COPY REGISTER with buf_size 4096, below max_payload_sz ${max}: ZERO_COPY skips that check`, async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { outcome } = await runScenario(target, { config: r7config, prior: [], probe: r7(4096) });
    expect(outcome).toEqual({ kind: 'held' });
  });

  // 001@13325: "nr_bufs = payload_size / buf_size;" follows that check directly; the spec requires a guard before it.
  it('should answer -EINVAL (22), not divide by zero, for a first BUFRING|PINNED_*|ZERO_COPY REGISTER with buf_size 0', async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { outcome } = await runScenario(target, { config: r7config, prior: [], probe: r7(0) });
    expect(outcome).toEqual({ kind: 'cqe', res: -ERRNO.EINVAL });
  });
});

describe.each(tTargets().map((t) => [t.name, t] as const))('R7 pinning order against 13/14 (%s)', (_n, tt) => {
  const BHP = encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: false }, r7a);
  const probe = (): UringCmdSpec => ({ ...r7(max), flags: BHP, iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: false }] });
  const limited = (memlock_limit: number) => ({ ...r7config, memlock_limit, caps: { ...r7config.caps, CAP_IPC_LOCK: false } });
  // 001@13569: "err = fuse_bufring_pin_mem(&br->pinned_headers, headers," comes before the buffers are pinned.
  it('should answer -ENOMEM (12) when the aligned 1152-byte headers region alone exceeds an RLIMIT_MEMLOCK of 0 and the buffers region is unaligned', async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { outcome } = await runScenario(target, { config: limited(0), prior: [], probe: probe() });
    expect(outcome).toEqual({ kind: 'cqe', res: -ERRNO.ENOMEM });
  });

  it('should answer -EINVAL (22) for the unaligned buffers region once the headers page fits an RLIMIT_MEMLOCK of 4096', async (ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { outcome } = await runScenario(target, { config: limited(4096), prior: [], probe: probe() });
    expect(outcome).toEqual({ kind: 'cqe', res: -ERRNO.EINVAL });
  });
});
