// Rows a line of a seed (or the v4 code the spec audit read) decides: the concrete REGISTER that line accepts or rejects.
import { describe, expect, it } from 'vitest';
import type { UringCmdSpec } from '../../spec/model/commands.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4 } from '../../spec/rules/r4.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { ERRNO } from '../../spec/errno.js';
import { runScenario } from '../../src/target/runScenario.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const r4 = (init_flags$R4: number, queue_depth: number): UringCmdSpec => ({ cmd_op: 1, qid: 0, init_flags$R4, queue_depth, buf_index: 0 });

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
