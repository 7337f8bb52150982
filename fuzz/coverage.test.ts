// Coverage and steering on the model: the report's arithmetic, where starts come from, and that steering reaches every
// reachable row of each revision within a bounded number of cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelTarget } from '../src/target/modelTarget.js';
import { REVISIONS } from '../spec/types.js';
import { Coverage, RING_EFFECTS, rowsOf } from './coverage.js';
import { fuzz } from './fuzzer.js';
import { runCase } from './runCase.js';
import { specStarts, Steering } from './steer.js';

const base = { seconds: 120, nrCpus: 2, fingerprint: null, progress: () => {}, outDir: null };

describe('coverage', () => {
  it('should count R0 rows in table order and list commit_and_fetch.queue.stopped as unreachable with its reason, and 7.2\'s io_uring check on a kernel without it', () => {
    const cov = new Coverage('R0');
    expect(cov.add(['common.sqe128.missing', 'common.sqe128.missing', 'ring.FUSE_LOOKUP'])).toEqual(['common.sqe128.missing', 'ring.FUSE_LOOKUP']);
    expect(cov.add(['common.sqe128.missing'])).toEqual([]);
    const r = cov.report();
    expect(r.hit).toBe(1);
    expect(r.reachable).toBe(rowsOf('R0').length - 3);
    expect(r.never[0]).toBe('common.fuse_dev.sync_init_pending');
    expect(r.unreachable.map((u) => u.id)).toEqual(['common.io_uring.not_negotiated', 'commit_and_fetch.queue.stopped', 'commit_and_fetch.entry.not_userspace']);
    // On a kernel measured with it, the row is reachable.
    expect(new Coverage('R0', { 'kernel.fuse_chan': 1n }).report().unreachable.map((u) => u.id)).not.toContain('common.io_uring.not_negotiated');
    expect(r.unreachable.every((u) => u.why.length > 20)).toBe(true);
    expect(r.effects).toEqual({ hit: 1, reachable: 9, never: RING_EFFECTS.filter((e) => e !== 'ring.FUSE_LOOKUP') });
  });

  it('should make every spec start fire the row it was built to break, on the model', async () => {
    for (const rev of REVISIONS) {
      for (const s of specStarts(rev, 2)) {
        const o = await runCase(new ModelTarget(), new ModelTarget(), s.case);
        expect(o.fired, `${rev} ${s.row}`).toContain(s.row);
      }
    }
  });

  it('should draw a start for a row never hit 100 times as often as one for a row hit 9 times', () => {
    const cov = new Coverage('R0');
    const st = new Steering('R0', 2, cov);
    const starts = specStarts('R0', 2).map((s) => s.row);
    const [a, b] = [...new Set(starts)];
    for (const r of new Set(starts)) if (r !== a) for (let i = 0; i < 9; i++) cov.add([r]);
    // Weights 1/(1+0)² against 1/(1+9)², times how many starts each row has (a common row is broken in several families).
    const expected = (100 * starts.filter((r) => r === a).length) / starts.filter((r) => r === b).length;
    const n = 100_000, picks = Array.from({ length: n }, (_, i) => st.pick(i / n).row);
    const ratio = picks.filter((r) => r === a).length / picks.filter((r) => r === b).length;
    expect(ratio).toBeGreaterThan(expected * 0.95);
    expect(ratio).toBeLessThan(expected * 1.05);
  });

  it.each(REVISIONS)('should hit every reachable %s row and every request kind within 1500 steered model cases', async (rev) => {
    const s = await fuzz({ ...base, model: new ModelTarget(), target: new ModelTarget(), revision: rev, seed: 20261130, runs: 1500 });
    expect(s.findings).toEqual([]);
    expect(s.coverage.never).toEqual([]);
    expect(s.coverage.effects.never).toEqual([]);
  });

  it('should keep steered cases drawn for seed 5 identical across two generations', () => {
    const gen = () => fc.sample(new Steering('R8', 2, new Coverage('R8')).arbitrary(), { seed: 5, numRuns: 30 });
    expect(JSON.stringify(gen(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(JSON.stringify(gen(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  });
});
