// The engine with a fake runner: plan order, bounded concurrency, one ERROR row per broken build, and shards that merge back.
import { describe, expect, it } from 'vitest';
import { runMatrix } from './engine.js';
import { tItem, tOk, tPlan, tRunner, tSuite } from './matrix.testkit.js';
import { mergeMatrix } from './merge.js';
import type { MatrixReport } from './report.js';

const LABELS = ['6.17.8', '6.17.13', '6.18.5', '6.18.15', '7.1.3', '7.1.7', '7.3.4'];
const SUITES = {
  '6.17.8': tOk(tSuite('6.17.8', 'R0', { 'common.fuse_dev.missing': 'cqe -ENOTCONN', 'register.baseline': 'held' })),
  '6.17.13': tOk(tSuite('6.17.13', 'R0', { 'common.fuse_dev.missing': 'cqe -ENOTCONN', 'register.baseline': 'held' })),
  '6.18.5': tOk(tSuite('6.18.5', 'R0', { 'common.fuse_dev.missing': 'cqe -EPERM', 'register.baseline': 'held' })),
  '6.18.15': tOk(tSuite('6.18.15', 'R0', { 'common.fuse_dev.missing': 'cqe -EPERM', 'register.baseline': 'held' })),
  '7.1.3': tOk(tSuite('7.1.3', 'R0', { 'common.fuse_dev.missing': 'blocked, then cqe -ERESTARTSYS', 'register.baseline': 'held' })),
  '7.1.7': tOk(tSuite('7.1.7', 'R0', { 'common.fuse_dev.missing': 'cqe -EPERM', 'register.baseline': 'held' })),
  '7.3.4': tOk(tSuite('7.3.4', 'R8', { 'common.fuse_dev.missing': 'SKIP', 'register.baseline': 'SKIP' })),
};
const run = (shard = { index: 1, count: 1 }, jobs = 2, runner = tRunner(SUITES)) =>
  runMatrix({ plan: tPlan(LABELS), items: LABELS.map((l) => tItem(l)), shard, jobs, runner, accel: 'TCG', note: () => {} });
/** What must not depend on how the work was split: everything but the per-process run records. */
const timelineOf = (r: MatrixReport) => ({ ...r, runs: undefined });

describe('matrix engine (fake runner)', () => {
  it('should write the 7 builds in plan order even when the later ones finish first', async () => {
    const slowFirst = tRunner(SUITES, 0);
    const r = await runMatrix({ plan: tPlan(LABELS), items: LABELS.map((l) => tItem(l)), shard: { index: 1, count: 1 }, jobs: 3, accel: 'TCG', note: () => {},
      runner: async (item, p) => { await new Promise((res) => setTimeout(res, item.label === '6.17.8' ? 60 : 1)); return slowFirst(item, p); } });
    expect(r.builds.map((b) => b.label)).toEqual(LABELS);
  });

  it('should never run more than --jobs 2 builds at once', async () => {
    let now = 0, most = 0;
    const inner = tRunner(SUITES, 15);
    await run(undefined, 2, async (i, p) => { now++; most = Math.max(most, now); try { return await inner(i, p); } finally { now--; } });
    expect(most).toBe(2);
  });

  it('should turn a build whose runner throws and one that cannot be fetched into one ERROR row each, the rest intact', async () => {
    const { ['7.1.3']: _gone, ...rest } = SUITES;
    const items = LABELS.map((l) => tItem(l, l === '6.18.15' ? 'linux-image-6.18.15: sha256 differs from the signed index' : undefined));
    const r = await runMatrix({ plan: tPlan(LABELS), items, shard: { index: 1, count: 1 }, jobs: 2, runner: tRunner(rest), accel: 'TCG', note: () => {} });
    expect(r.builds.filter((b) => b.error).map((b) => [b.label, b.error])).toEqual([['6.18.15', 'linux-image-6.18.15: sha256 differs from the signed index'], ['7.1.3', 'qemu died for 7.1.3']]);
    expect(r.timeline.errors).toEqual(['6.18.15', '7.1.3']);
    expect(r.builds.filter((b) => !b.error)).toHaveLength(5);
  });

  it('should record a guest that hung past its bound as an ERROR row carrying furc vm\'s one line, the fuzz of others intact', async () => {
    const hung = { suite: null, fuzz: null, error: 'the guest did not finish within 2400 s (hang?); last console line: furc-init: running furc', bootS: 12.5 };
    const r = await run(undefined, 2, tRunner({ ...SUITES, '7.1.3': hung }));
    expect(r.builds.find((b) => b.label === '7.1.3')).toMatchObject({ error: hung.error, cells: {} });
    expect(r.runs[0]!.builds['7.1.3']!.bootS).toBe(12.5);
  });

  it('should find fuse_dev.missing changing at 6.18.5, 7.1.3, 7.1.7 and 7.3.4', async () => {
    const r = await run();
    const row = r.timeline.rows.find((x) => x.id === 'R0/register/common.fuse_dev.missing')!;
    expect(row.changes.map((c) => `${c.from}..${c.to}: ${c.a} → ${c.b}`)).toEqual([
      '6.17.13..6.18.5: cqe -ENOTCONN → cqe -EPERM', '6.18.15..7.1.3: cqe -EPERM → blocked, then cqe -ERESTARTSYS',
      '7.1.3..7.1.7: blocked, then cqe -ERESTARTSYS → cqe -EPERM', '7.1.7..7.3.4: cqe -EPERM → SKIP']);
  });

  it('should give the same timeline from shards 1/3, 2/3 and 3/3 merged as from one unsharded run', async () => {
    const whole = await run();
    const shards = await Promise.all([1, 2, 3].map((i) => run({ index: i, count: 3 })));
    expect(shards.map((s) => s.builds.length)).toEqual([3, 2, 2]);
    const merged = mergeMatrix(shards.map((report, i) => ({ path: `shard${i + 1}.json`, report })));
    expect(timelineOf(merged)).toEqual(timelineOf(whole));
    expect(merged.runs.map((x) => x.shard)).toEqual(['1/3', '2/3', '3/3']);
  });

  it('should make the builds of a shard that brought back nothing ERROR rows when merging the other two', async () => {
    const shards = await Promise.all([1, 3].map((i) => run({ index: i, count: 3 })));
    const merged = mergeMatrix(shards.map((report, i) => ({ path: `s${i}`, report })));
    expect(merged.timeline.errors).toEqual(['6.17.13', '7.1.3']);
    expect(merged.builds.find((b) => b.label === '7.1.3')!.error).toBe('shard 2/3 brought back no report');
  });

  it('should refuse to merge shards of different plans, and one build reported twice', async () => {
    const a = await run({ index: 1, count: 2 });
    const other = { ...a, plan: { ...a.plan, seed: 2 } };
    expect(() => mergeMatrix([{ path: 'a.json', report: a }, { path: 'b.json', report: other }])).toThrow("b.json: its plan differs from a.json's");
    expect(() => mergeMatrix([{ path: 'a.json', report: a }, { path: 'again.json', report: a }])).toThrow('build 6.17.8 is in both a.json and again.json');
  });
});
