// Background depth over the ring: readahead's READs kept in flight up to min(max_background, entries), refilled as each
// is answered. The judge is checked on the shapes a right and a broken kernel give; the kernel on every commit family.
import { describe, expect, it } from 'vitest';
import { REVISIONS } from '../../spec/types.js';
import { backgroundCases, BG_COMMITS, BG_MAX, BG_READ, judgeDepth, releaseCases, RELEASE_MAX, runBackgroundCase, runReleaseCase } from '../../src/conformance/background.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const ok = `${BG_READ} data=ok`;

describe('the background depth judge', () => {
  it('should pass 32 READs kept at depth 4 through 6 COMMITs', () => {
    expect(judgeDepth({ total: 32, depths: [4, 4, 4, 4, 4, 4, 4], readResult: ok, refused: [] }, 4)).toBeNull();
  });

  it('should fail the pre-fix shape: 4 in flight after the read, then 3, 2, 1 as COMMITs end them without refilling', () => {
    expect(judgeDepth({ total: 32, depths: [4, 3, 2, 1, 1, 1, 1], readResult: ok, refused: [] }, 4)).toMatch(/^3 background READs in flight after COMMIT 1 with 31 unanswered/);
  });

  it('should name a refused COMMIT (7.3 refuses a registered-pool COMMIT without IORING_URING_CMD_FIXED with EINVAL) instead of its depths', () => {
    expect(judgeDepth({ total: 2, depths: [2, 1, 0, -1, -2, -3, -4], readResult: 'not done', refused: ['COMMIT 1 -EINVAL', 'COMMIT 2 -EINVAL'] }, 2))
      .toBe('the kernel refused COMMIT 1 -EINVAL, COMMIT 2 -EINVAL: nothing was answered, so no depth was measured');
  });

  it('should fail 5 in flight with max_background 4', () => {
    expect(judgeDepth({ total: 32, depths: [5, 5, 5, 5, 5, 5, 5], readResult: ok, refused: [] }, 4)).toMatch(/^5 background READs in flight after the read, more than 4/);
  });

  it('should fail a read that did not return its 65536 bytes, whatever the depths', () => {
    expect(judgeDepth({ total: 32, depths: [4, 4, 4, 4, 4, 4, 4], readResult: '-5', refused: [] }, 4)).toMatch(/^the read returned -5/);
  });

  it('should bound each case by max_background 4 below its 6 entries on queue 0, or by the 2 buffers of a registered or zero-copy pool', () => {
    const bounds = Object.fromEntries(REVISIONS.flatMap((rev) => backgroundCases(rev, NR_CPUS)).map((b) => [b.family, b.bound]));
    // Those families' ADD_BUFPOOL gives queue 0 room for two payloads of max_payload_sz; a page-cache open without
    // FOPEN_IO_URING_ZERO_COPY copies readahead's pages through that pool even on a zero-copy queue.
    expect(bounds).toEqual({ 'R0 data': BG_MAX, 'R4 data': BG_MAX, 'R7 data': BG_MAX, 'R8 data': BG_MAX, 'R8 data.registered_pool': 2, 'R8 data.zero_copy': 2 });
  });

  it('should send 6 COMMITs with IORING_URING_CMD_FIXED and buf_index 3 in the registered-pool family alone, as its probe does (7.3.4 answered all 6 -EINVAL without them)', () => {
    const commits = Object.fromEntries(REVISIONS.flatMap((rev) => backgroundCases(rev, NR_CPUS)).map((b) => [b.family,
      b.case.steps.flatMap((s) => (s.kind === 'uring_cmd' && s.tag.startsWith('commit.') ? [[s.sqe.cmd_op, s.sqe.fixed ?? false, s.sqe.buf_index ?? null]] : []))]));
    const plain = Array(BG_COMMITS).fill([2, false, null]);
    expect(commits).toEqual({ 'R0 data': plain, 'R4 data': plain, 'R7 data': plain, 'R8 data': plain, 'R8 data.registered_pool': Array(BG_COMMITS).fill([2, true, 3]), 'R8 data.zero_copy': plain });
  });
});

describe.each(tTargets().filter((t) => t.name === 'kernel').map((t) => [t.name, t] as const))('background depth (%s)', (_n, tt) => {
  for (const rev of REVISIONS) {
    for (const b of backgroundCases(rev, NR_CPUS)) {
      it(`${b.family} : should keep ${b.bound} readahead READs in flight after a ${BG_READ}-byte buffered read and after each of ${BG_COMMITS} COMMITs`, async (ctx) => {
        const target = await tReady(ctx, tt, rev);
        const r = await runBackgroundCase(target, b);
        expect(r.failure, r.observed).toBeNull();
      });
    }
  }
});

// close()'s RELEASE is forced past fuse_block_alloc's gate, so the ring's background list is what holds it back.
describe.each(tTargets().map((t) => [t.name, t] as const))('forced background requests (%s)', (_n, tt) => {
  const model = new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
  for (const rev of REVISIONS) {
    for (const r of releaseCases(rev, NR_CPUS)) {
      it(`${r.family} release: should deliver ${RELEASE_MAX} of 4 closes' RELEASEs at once and the next with each answered one, step for step as the model`, async (ctx) => {
        const target = await tReady(ctx, tt, rev);
        const o = await runReleaseCase(model, target, r);
        expect(o.failure, o.observed).toBeNull();
        // Two FLUSH answers bring a RELEASE each, two bring none (max_background 2), answering a RELEASE brings the next.
        expect(o.observed).toBe('RELEASEs delivered by each COMMIT: flush.0 1, flush.1 1, flush.2 0, flush.3 0, release.0 1');
      });
    }
  }
});
