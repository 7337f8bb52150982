// The timeline: changes between consecutive builds, the pair to bisect, and the baseline's say on each change.
import { describe, expect, it } from 'vitest';
import { NO_BASELINE } from './baseline.js';
import type { BuildRecord, Cell } from './report.js';
import { timeline } from './timeline.js';

const cell = (outcome: string): Cell => ({ verdict: 'PASS', outcome });
const build = (label: string, cells: Record<string, string> | null): BuildRecord => ({
  label, source: label, provenance: [], release: label, revision: 'R0', error: cells ? null : 'the guest did not finish within 2400 s (hang?)',
  cells: Object.fromEntries(Object.entries(cells ?? {}).map(([k, v]) => [k, cell(v)])),
});
const MISSING = 'R0/register/common.fuse_dev.missing';

describe('timeline', () => {
  it('should find fuse_dev.missing changing once, at 6.18.5, to bisect between 6.17.13 and 6.18.5', () => {
    const t = timeline([build('6.17.8', { [MISSING]: 'cqe -ENOTCONN' }), build('6.17.13', { [MISSING]: 'cqe -ENOTCONN' }), build('6.18.5', { [MISSING]: 'cqe -EPERM' }), build('6.18.15', { [MISSING]: 'cqe -EPERM' })], NO_BASELINE);
    expect(t.rows).toEqual([{ id: MISSING, firstChange: '6.18.5', changes: [{ id: MISSING, from: '6.17.13', to: '6.18.5', a: 'cqe -ENOTCONN', b: 'cqe -EPERM', expected: false }] }]);
    expect([t.changes, t.unexpected]).toEqual([1, 1]);
  });

  it('should bisect 7.0.13..7.1.7 when 7.1.3 between them has no results, and name 7.1.3 as an ERROR build', () => {
    const t = timeline([build('7.0.13', { [MISSING]: 'cqe -EPERM' }), build('7.1.3', null), build('7.1.7', { [MISSING]: 'cqe -ENOTCONN' })], NO_BASELINE);
    expect(t.rows[0]!.changes.map((c) => [c.from, c.to])).toEqual([['7.0.13', '7.1.7']]);
    expect(t.errors).toEqual(['7.1.3']);
  });

  it('should list a change and its undoing as two changes: EPERM, blocked on 7.1.3, EPERM again on 7.1.7', () => {
    const t = timeline([build('7.0.13', { [MISSING]: 'cqe -EPERM' }), build('7.1.3', { [MISSING]: 'blocked, then cqe -ERESTARTSYS' }), build('7.1.7', { [MISSING]: 'cqe -EPERM' })], NO_BASELINE);
    expect(t.rows[0]!.changes.map((c) => `${c.from}..${c.to}`)).toEqual(['7.0.13..7.1.3', '7.1.3..7.1.7']);
    expect(t.rows[0]!.firstChange).toBe('7.1.3');
  });

  it('should call the ENOTCONN → EPERM change expected only under a baseline entry that matches its id glob, outcomes and build', () => {
    const bs = [build('6.17.13', { [MISSING]: 'cqe -ENOTCONN' }), build('6.18.5', { [MISSING]: 'cqe -EPERM' })];
    const entry = { id: 'R0/*/common.fuse_dev.missing', a: 'cqe -ENOTCONN', b: 'cqe -EPERM', why: '6.18 EPERM' };
    expect(timeline(bs, { expected: [{ ...entry, to: '6.18.*' }] }).rows[0]!.changes[0]).toMatchObject({ expected: true, why: '6.18 EPERM' });
    expect(timeline(bs, { expected: [{ ...entry, to: '7.*' }] }).unexpected).toBe(1);
    expect(timeline(bs, { expected: [{ ...entry, b: 'cqe -EINVAL' }] }).unexpected).toBe(1);
  });

  it('should report no change for a row that only some builds ran, as long as those agree', () => {
    const t = timeline([build('6.17.13', {}), build('6.18.5', { 'R0/register/common.fuse_dev.sync_init_pending': 'blocked' }), build('6.18.15', { 'R0/register/common.fuse_dev.sync_init_pending': 'blocked' })], NO_BASELINE);
    expect(t.changes).toBe(0);
  });
});
