// KTAP of whole runs, read back by the spec-written reader: nesting, every directive, kselftest's naming and its runner's header rule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import { ROOT } from '../paths.js';
import { loadReport } from './diff.js';
import { ktap, ktapName } from './ktap.js';
import { parseKtap, type KtapBlock, type KtapResult } from './ktapParse.js';
import { caseId, makeReport } from './report.js';

const work = mkdtempSync(`${tmpdir()}/furc-ktap-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  await main(args, { out: (s) => out.push(s), err: () => {} });
  return out.join('\n') + '\n';
}

/** Every result with its path of names from the top. */
function walk(b: KtapBlock, path: string[] = []): { path: string[]; r: KtapResult }[] {
  return b.results.flatMap((r) => [{ path: [...path, r.name], r }, ...(r.subtests ? walk(r.subtests, [...path, r.name]) : [])]);
}
const leaves = (b: KtapBlock) => walk(b).filter((x) => x.r.subtests === null);
const find = (b: KtapBlock, ...path: string[]) => walk(b).find((x) => x.path.join('/') === path.join('/'))!.r;

describe('KTAP of a full run', () => {
  it('should parse the KTAP of a full model run (R0, R4, R7, R8 with every family and case of its JSON report) without an error or an unknown line, every name unique', async () => {
    const p = parseKtap(await run(['run', '--target', 'model', '--format', 'ktap']));
    expect([p.errors, p.unknown]).toEqual([[], []]);
    await run(['run', '--target', 'model', '--format', 'json', '--out', `${work}/full.json`]);
    const rep = loadReport(`${work}/full.json`);
    const families = (rev: string) => new Set(rep.results.filter((r) => r.revision === rev).map((r) => r.family)).size;
    expect(p.root!.results.map((r) => [r.name, r.ok, r.subtests!.results.length])).toEqual(['R0', 'R4', 'R7', 'R8'].map((rev) => [rev, true, families(rev)]));
    expect(leaves(p.root!).map((x) => x.r.name)).toEqual(rep.results.map((r) => ktapName(caseId(r))));
    // Unique across the whole document, not only per level: kselftest's own output parsers flatten the nesting.
    const names = walk(p.root!).map((x) => x.r.name);
    expect(names.filter((n) => !/^[A-Za-z0-9_-]+$/.test(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(find(p.root!, 'R0', 'R0_forced')).toMatchObject({ ok: true, directive: 'SKIP', diagnostic: 'all 2 cases skipped' });
  });

  it('should carry each of SKIP, XFAIL, TIMEOUT and ERROR and a plain failure to the right case, and fail the family and revision above them', async () => {
    await run(['run', '--target', 'model', '--format', 'json', '--out', `${work}/model.json`]);
    const base = loadReport(`${work}/model.json`);
    const set: Record<string, Verdict> = {
      'R8 reply/reply.unique.zero': { kind: 'FAIL', detail: 'expected cqe -EINVAL, got held' },
      'R8 reply/reply.error.set': { kind: 'XFAIL', rule: 'reply.error.set', link: 'https://lore.kernel.org/r/1#2' },
      'R8 add_queue/add_queue.queue.exists': { kind: 'TIMEOUT', detail: 'TIMEOUT: step uring_cmd exceeded 40000 ms\n[<0>] fuse_uring_cmd+0x1f' },
      'R7 reply/reply.baseline': { kind: 'ERROR', detail: 'kernel worker (pid 4242) exited' },
      'R4 reply/reply.baseline': { kind: 'SKIP', reason: 'not root' },
    };
    const results = base.results.map((r): CaseResult => ({ ...r, verdict: set[`${r.family}/${r.rule}`] ?? r.verdict }));
    const p = parseKtap(ktap(makeReport('kernel', results, null)));
    expect([p.errors, p.unknown]).toEqual([[], []]);
    const at = (...path: string[]) => { const r = find(p.root!, ...path); return [r.ok, r.directive, r.diagnostic]; };
    expect(at('R8', 'R8_reply', 'R8_reply_reply-unique-zero')).toEqual([false, null, '']);
    expect(find(p.root!, 'R8', 'R8_reply', 'R8_reply_reply-unique-zero').diagnostics).toEqual(['expected cqe -EINVAL, got held', expect.stringMatching(/^replay: FURC_TARGETS=model npx vitest run properties\/rules\/firstFailingRuleWins.test.ts/)]);
    expect(at('R8', 'R8_reply', 'R8_reply_reply-error-set')).toEqual([true, 'XFAIL', 'reply.error.set https://lore.kernel.org/r/1#2']);
    expect(at('R8', 'R8_add_queue', 'R8_add_queue_add_queue-queue-exists')).toEqual([false, 'TIMEOUT', 'TIMEOUT: step uring_cmd exceeded 40000 ms']);
    expect(at('R7', 'R7_reply', 'R7_reply_reply-baseline')).toEqual([false, 'ERROR', 'kernel worker (pid 4242) exited']);
    expect(at('R4', 'R4_reply', 'R4_reply_reply-baseline')).toEqual([true, 'SKIP', 'not root']);
    expect(p.root!.results.map((r) => [r.name, r.ok])).toEqual([['R0', true], ['R4', true], ['R7', false], ['R8', false]]);
    expect([at('R8', 'R8_reply'), at('R8', 'R8_add_queue'), at('R8', 'R8_add_bufpool')]).toEqual([[false, null, ''], [false, null, ''], [true, null, '']]);
  });

  it("should render the recorded 7.3.4 report with R0 skipped as superseded, and each of the 6.17 report's XFAIL cases as XFAIL on an ok line", () => {
    const p73 = parseKtap(ktap(loadReport(`${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`)));
    expect(p73.errors).toEqual([]);
    expect(p73.root!.results[0]).toMatchObject({ name: 'R0', ok: true, directive: 'SKIP', diagnostic: expect.stringMatching(/^superseded by R8 on this kernel/) });
    const rep = loadReport(`${ROOT}fixtures/kernels/6.17.13+deb13-amd64.json`);
    const p617 = parseKtap(ktap(rep));
    expect(p617.errors).toEqual([]);
    const xfail = rep.results.filter((r) => r.verdict.kind === 'XFAIL').map((r) => ktapName(caseId(r)));
    expect(xfail).toContain('R0_register_common-fuse_dev-missing');
    expect(leaves(p617.root!).filter((x) => x.r.directive === 'XFAIL').map((x) => [x.r.name, x.r.ok])).toEqual(xfail.map((n) => [n, true]));
  });

  it("should leave out its version line under kselftest's runner (KSFT_TAP_LEVEL=1) and end with the '# Totals:' line", async () => {
    process.env.KSFT_TAP_LEVEL = '1';
    try {
      const text = await run(['run', '--target', 'model', '--revision', 'R0', '--format', 'ktap']);
      expect(text.split('\n').slice(0, 2)).toEqual(['# furc model', '1..1']);
      const p = parseKtap(`KTAP version 1\n${text}`);
      expect(p.errors).toEqual([]);
      const skipped = leaves(p.root!).filter((x) => x.r.directive === 'SKIP').length;
      // R0's two rows no userspace sequence reaches, and the background depth case (the model has no page cache).
      expect(skipped).toBe(3);
      expect(text.trimEnd().split('\n').at(-1)).toBe(`# Totals: pass:${leaves(p.root!).length - skipped} fail:0 xfail:0 xpass:0 skip:3 error:0`);
    } finally { delete process.env.KSFT_TAP_LEVEL; }
  });
});
