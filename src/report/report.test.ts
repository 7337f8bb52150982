// Reports and diffs: KTAP/JUnit/JSON renderings, and furc diff's expected/unexpected split with a baseline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../conformance/verdict.js';
import { main } from '../cli/main.js';
import { diffReports, groupByB, loadReport, type DiffStatus } from './diff.js';
import { ktap } from './ktap.js';
import { parseKtap } from './ktapParse.js';
import { junit, makeReport } from './report.js';

// Every directory a test makes is removed after the file's tests.
const made: string[] = [];
const tmp = () => { const d = mkdtempSync(`${tmpdir()}/furc-diff-`); made.push(d); return d; };
afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

const res = (rule: string, verdict: CaseResult['verdict'], observed?: string): CaseResult =>
  ({ revision: 'R0', family: 'R0 register', rule, verdict, replay: `replay ${rule}`, ...(observed ? { observed } : {}) });

const A = makeReport('kernel', [
  res('register.baseline', { kind: 'PASS' }, 'held'),
  res('register.qid.out_of_range', { kind: 'FAIL', detail: 'expected cqe -EINVAL, got held' }, 'held'),
  res('register.payload.too_short', { kind: 'SKIP', reason: 'not root' }),
], null);
const B = makeReport('kernel', [
  res('register.baseline', { kind: 'PASS' }, 'held'),
  res('register.qid.out_of_range', { kind: 'PASS' }, 'cqe -EINVAL'),
  res('register.payload.too_short', { kind: 'SKIP', reason: 'not root' }),
], null);

describe('reports', () => {
  it('should write KTAP whose one revision R0 fails through its family register, with the failure detail and replay as diagnostics', () => {
    const p = parseKtap(ktap(A));
    expect(p.errors).toEqual([]);
    const [r0] = p.root!.results;
    expect([r0!.name, r0!.ok]).toEqual(['R0', false]);
    const [register] = r0!.subtests!.results;
    expect([register!.name, register!.ok]).toEqual(['R0_register', false]);
    expect(register!.subtests!.results.map((r) => [r.name, r.ok, r.directive, r.diagnostic])).toEqual([
      ['R0_register_register-baseline', true, null, ''], ['R0_register_register-qid-out_of_range', false, null, ''], ['R0_register_register-payload-too_short', true, 'SKIP', 'not root']]);
    expect(register!.subtests!.results[1]!.diagnostics).toEqual(['expected cqe -EINVAL, got held', 'replay: replay register.qid.out_of_range']);
    expect(ktap(A).trimEnd().split('\n').at(-1)).toBe('# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0');
  });

  it('should write JUnit with 1 failure and 1 skipped in one suite, each testcase named by its case id', () => {
    const x = junit(A);
    expect(x).toContain('<testsuite name="R0 register" tests="3" failures="1" skipped="1">');
    expect(x).toContain('<testcase classname="R0 register" name="R0/register/register.baseline"/>');
    expect(x).toContain('<failure type="FAIL" message="expected cqe -EINVAL, got held">expected cqe -EINVAL, got held\nreplay: replay register.qid.out_of_range</failure>');
  });
});

describe('furc diff', () => {
  it('should group 3 case differences into 2 lines by their outcome on B, most frequent first', () => {
    const d = (id: string, a: string, b: string, status: DiffStatus = 'unexpected') => ({ kind: 'case' as const, id, a, b, status });
    expect(groupByB([d('x', 'held', 'SKIP(r)'), d('y', 'cqe -EINVAL', 'SKIP(r)', 'expected'), d('z', 'held', 'cqe -EPERM')])).toEqual([
      { b: 'SKIP(r)', count: 2, fromA: 2, unexpected: 1 }, { b: 'cqe -EPERM', count: 1, fromA: 1, unexpected: 1 },
    ]);
  });

  it('should report the one case whose outcome changed from held to cqe -EINVAL', () => {
    expect(diffReports(A, B)).toEqual([{ kind: 'case', id: 'R0/register/register.qid.out_of_range', a: 'held', b: 'cqe -EINVAL', status: 'unexpected' }]);
  });

  it('should exit 1 on an unexpected difference and 0 once the baseline lists it', async () => {
    const dir = tmp();
    writeFileSync(`${dir}/a.json`, JSON.stringify(A));
    writeFileSync(`${dir}/b.json`, JSON.stringify(B));
    writeFileSync(`${dir}/base.json`, JSON.stringify({ expected: [{ id: 'R0/register/register.qid.out_of_range', b: 'cqe -EINVAL' }] }));
    const out: string[] = [], err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await main(['diff', `${dir}/a.json`, `${dir}/b.json`], io)).toBe(1);
    expect(await main(['diff', `${dir}/a.json`, `${dir}/b.json`, '--baseline', `${dir}/base.json`], io)).toBe(0);
    expect(out.at(-1)).toBe('# 1 differences, 0 unexpected');
    writeFileSync(`${dir}/bad.json`, '{"tool": "other"}');
    expect(await main(['diff', `${dir}/a.json`, `${dir}/bad.json`], io)).toBe(2);
    expect(err.at(-1)).toBe(`furc: ${dir}/bad.json: not a furc report (no "tool": "furc" with "results")`);
  });

  it('should show fingerprint.release 6.18.44-fc-v669 → 6.18.44-fc-v657 as identity and exit 0: two builds of one kernel that behave alike', async () => {
    const a = loadReport(new URL('../../fixtures/kernels/6.18.44-fc-v669.json', import.meta.url).pathname);
    const b = { ...a, fingerprint: { ...a.fingerprint!, release: '6.18.44-fc-v657' } };
    expect(diffReports(a, b)).toEqual([{ kind: 'fingerprint', id: 'fingerprint.release', a: '"6.18.44-fc-v669"', b: '"6.18.44-fc-v657"', status: 'identity' }]);
    const dir = tmp();
    writeFileSync(`${dir}/b.json`, JSON.stringify(b));
    const out: string[] = [];
    expect(await main(['diff', new URL('../../fixtures/kernels/6.18.44-fc-v669.json', import.meta.url).pathname, `${dir}/b.json`], { out: (x) => out.push(x), err: () => {} })).toBe(0);
    expect(out.join('\n')).toMatch(/fingerprint\s+fingerprint\.release\s+"6\.18\.44-fc-v669"\s+"6\.18\.44-fc-v657"\s+identity/);
  });
});
