import { describe, expect, it } from 'vitest';
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import { makeReport } from '../report/report.js';
import { classify, splatKey, type Evidence, type GuestRun } from './classify.js';

const c = (rule: string, verdict: Verdict, observed?: string): CaseResult => ({ revision: 'R0', family: 'R0 register', rule, verdict, replay: '', ...(observed ? { observed } : {}) });
const PASS: Verdict = { kind: 'PASS' };
const guest = (results: CaseResult[], more: Partial<GuestRun> = {}): GuestRun => ({ failure: null, status: 0, splats: [], report: makeReport('kernel', results, null), seconds: 100, ...more });
const ev = (run: CaseResult[], fuzz: CaseResult[] = [], more: Partial<GuestRun> = {}): Evidence => ({ run: guest(run, more), fuzz: guest(fuzz) });

const SUITE = [c('register.headers.too_short', PASS, 'cqe -EINVAL'), c('register.payload.too_short', PASS, 'cqe -EINVAL'), c('common.flaky', PASS, 'held')];
const baselines = [ev(SUITE), ev([...SUITE.slice(0, 2), c('common.flaky', { kind: 'TIMEOUT', detail: 'slow' })])];

describe('classifying a mutant against two baseline runs', () => {
  it('should name the first case whose outcome moved, with how many more did', () => {
    const m = ev([c('register.headers.too_short', PASS, 'held'), c('register.payload.too_short', PASS, 'held'), SUITE[2]!]);
    expect(classify(baselines, m)).toEqual({ kind: 'killed', by: 'case R0/register/register.headers.too_short: cqe -EINVAL → held (and 1 more)' });
  });

  it('should let a mutant survive when only common.flaky moved, which also moved between the baselines', () => {
    expect(classify(baselines, ev([...SUITE.slice(0, 2), c('common.flaky', { kind: 'ERROR', detail: 'x' })]))).toEqual({ kind: 'survived' });
  });

  it('should name a fingerprint probe that answers otherwise when no case moved, and never the release string', () => {
    const withFp = (cmd0: string, release: string): Evidence => {
      const e = ev(SUITE);
      return { ...e, run: { ...e.run, report: { ...e.run.report!, fingerprint: { release, cmd_ops: { 0: cmd0 } } as never } } };
    };
    const bases = [withFp('-EINVAL', '7.2.13'), withFp('-EINVAL', '7.2.13')];
    expect(classify(bases, withFp('-EINVAL', '7.2.13-dirty'))).toEqual({ kind: 'survived' });
    expect(classify(bases, withFp('-EOPNOTSUPP', '7.2.13'))).toEqual({ kind: 'killed', by: 'fingerprint.cmd_ops: {"0":"-EINVAL"} → {"0":"-EOPNOTSUPP"}' });
  });

  it('should prefer a guest that did not finish over everything else', () => {
    expect(classify(baselines, ev(SUITE, [], { failure: 'the guest did not finish within 600 s (hang?)', report: null }))).toEqual({ kind: 'killed', by: 'suite guest: the guest did not finish within 600 s (hang?)' });
  });

  it('should count a WARNING the baselines never printed, whatever CPU and PID it names, and not one they did', () => {
    const warn = (pid: number) => ({ line: `WARNING: CPU: 1 PID: ${pid} at fs/fuse/dev_uring.c:845 fuse_uring_commit_fetch+0x1a/0x2b0`, during: 'R0 commit_and_fetch commit_id.unknown' });
    expect(splatKey(warn(12).line)).toBe(splatKey(warn(99).line));
    expect(classify(baselines, ev(SUITE, [], { splats: [warn(12)] }))).toEqual({ kind: 'killed', by: `splat: ${warn(12).line} (during R0 commit_and_fetch commit_id.unknown)` });
    const noisy = [ev(SUITE, [], { splats: [warn(7)] }), baselines[1]!];
    expect(classify(noisy, ev(SUITE, [], { splats: [warn(12)] }))).toEqual({ kind: 'survived' });
  });

  it('should count a fuzz finding the baselines did not have, without its reproduction count', () => {
    const f = (detail: string): CaseResult => ({ revision: 'R0', family: 'R0 fuzz', rule: 'fuzz.finding_1', verdict: { kind: 'FAIL', detail }, replay: '' });
    const m: Evidence = { run: guest(SUITE), fuzz: guest([f('step 3 commit: model cqe -ENOENT, kernel cqe -EIO (reproduced 3)')]) };
    expect(classify(baselines, m)).toEqual({ kind: 'killed', by: 'fuzz: step 3 commit: model cqe -ENOENT, kernel cqe -EIO' });
    expect(classify(baselines, { run: guest(SUITE), fuzz: guest([f('flaky step 3 commit: model cqe -ENOENT, kernel held (reproduced 1)')]) })).toEqual({ kind: 'survived' });
  });
});

describe('classifying a mutant by its furc race guest', () => {
  const raced = (status: number, files?: string[]): Evidence => ({ ...ev(SUITE), race: { ...guest([]), report: null, status, ...(files ? { files } : {}) } });

  it('should kill a mutant whose race exits 1 with a finding file when both baseline races exited 0', () => {
    expect(classify([raced(0), raced(0)], raced(1, ['a1b2c3-register-vs-abort.json']))).toEqual({ kind: 'killed', by: 'race: a1b2c3-register-vs-abort.json' });
  });

  it('should let a race exit 1 say nothing when a baseline race also exited 1', () => {
    expect(classify([raced(0), raced(1)], raced(1, ['x.json']))).toEqual({ kind: 'survived' });
  });

  it('should kill a mutant whose race guest hung, naming the hang', () => {
    const hung: Evidence = { ...ev(SUITE), race: { ...guest([]), report: null, status: null, failure: 'the guest did not finish within 240 s (hang?)' } };
    expect(classify([raced(0), raced(0)], hung)).toEqual({ kind: 'killed', by: 'race guest: the guest did not finish within 240 s (hang?)' });
  });
});
