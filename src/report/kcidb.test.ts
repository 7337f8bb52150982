// KCIDB documents from furc run against the vendored kcidb-io v5.3 JSON schema (fixtures/kcidb/).
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { ROOT } from '../paths.js';
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import { loadReport } from './diff.js';
import { kcidb, kcidbOptions } from './kcidb.js';
import { makeReport } from './report.js';

const schema = JSON.parse(readFileSync(`${ROOT}fixtures/kcidb/kcidb-io.schema.v5.3.json`, 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const problems = (doc: unknown) => (validate(doc) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`));

const work = mkdtempSync(`${tmpdir()}/furc-kcidb-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Test { id: string; build_id: string; origin: string; path: string; status: string; log_excerpt?: string; misc: Record<string, unknown> }
const opts = kcidbOptions('maestro:69a1b2c3', undefined, new Date('2026-11-30T10:00:00Z'));

async function run(args: string[]): Promise<{ rc: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const rc = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { rc, out, err };
}

describe('furc run --format kcidb', () => {
  it('should write every case of a full model run as a test of a document the v5.3 schema accepts, paths furc.<revision>.<family>.<rule> unique', async () => {
    const r = await run(['run', '--target', 'model', '--format', 'kcidb', '--build-id', 'maestro:69a1b2c3', '--out', `${work}/model.json`]);
    expect(r.rc).toBe(0);
    const doc = JSON.parse(readFileSync(`${work}/model.json`, 'utf8')) as { version: unknown; tests: Test[] };
    expect(problems(doc)).toEqual([]);
    expect(doc.version).toEqual({ major: 5, minor: 3 });
    await run(['run', '--target', 'model', '--format', 'json', '--out', `${work}/model-report.json`]);
    const rep = loadReport(`${work}/model-report.json`);
    expect(doc.tests).toHaveLength(rep.summary.cases);
    expect(new Set(doc.tests.map((t) => t.path)).size).toBe(rep.summary.cases);
    expect(new Set(doc.tests.map((t) => t.id)).size).toBe(rep.summary.cases);
    expect(doc.tests.find((t) => t.path === 'furc.R8.register-pool.register-pool-payload_iov-nonzero')).toMatchObject({
      origin: 'maestro', build_id: 'maestro:69a1b2c3', status: 'PASS', misc: { furc_verdict: 'PASS', revision: 'R8', family: 'R8 register.pool', rule: 'register.pool.payload_iov.nonzero' } });
    expect(doc.tests.filter((t) => t.status === 'SKIP')).toHaveLength(rep.summary.SKIP);
  });

  it('should map PASS, XFAIL, FAIL, TIMEOUT, ERROR and SKIP to KCIDB PASS, PASS, FAIL, FAIL, ERROR and SKIP, keeping the furc verdict in misc', () => {
    const verdicts: Verdict[] = [{ kind: 'PASS' }, { kind: 'XFAIL', rule: 'common.fuse_dev.missing', link: 'https://lore.kernel.org/x#y' },
      { kind: 'FAIL', detail: 'expected cqe -EINVAL, got held' }, { kind: 'TIMEOUT', detail: 'TIMEOUT: step exceeded 4000 ms\nstack…' },
      { kind: 'ERROR', detail: 'kernel worker (pid 7) exited' }, { kind: 'SKIP', reason: 'not root' }];
    const results: CaseResult[] = verdicts.map((verdict, i) => ({ revision: 'R0', family: 'R0 register', rule: `register.case${i}`, verdict, replay: `replay ${i}` }));
    const doc = JSON.parse(kcidb(makeReport('kernel', results, null), opts)) as { tests: Test[] };
    expect(problems(doc)).toEqual([]);
    expect(doc.tests.map((t) => [t.status, t.misc.furc_verdict])).toEqual([['PASS', 'PASS'], ['PASS', 'XFAIL'], ['FAIL', 'FAIL'], ['FAIL', 'TIMEOUT'], ['ERROR', 'ERROR'], ['SKIP', 'SKIP']]);
    expect(doc.tests[1]!.misc.known_difference).toBe('https://lore.kernel.org/x#y');
    expect(doc.tests[3]!.log_excerpt).toBe('TIMEOUT: TIMEOUT: step exceeded 4000 ms\nstack…\nreplay: replay 3');
  });

  it("should carry the 7.3.4 kernel's recorded fingerprint in each test's environment and still validate", () => {
    const rep = loadReport(`${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`);
    const doc = JSON.parse(kcidb(rep, opts)) as { tests: (Test & { environment: { comment: string; misc: { fingerprint: { release: string } } } })[] };
    expect(problems(doc)).toEqual([]);
    expect(doc.tests[0]!.environment.comment).toBe('furc kernel on 7.3.4+deb13-amd64, FUSE 7.46, revision R8');
    expect(doc.tests[0]!.environment.misc.fingerprint.release).toBe('7.3.4+deb13-amd64');
  });

  it('should be refused by the schema once a status is XFAIL, which KCIDB does not know (the validator is not vacuous)', () => {
    const doc = JSON.parse(kcidb(makeReport('model', [{ revision: 'R0', family: 'R0 reply', rule: 'reply.baseline', verdict: { kind: 'PASS' }, replay: 'r' }], null), opts)) as { tests: Test[] };
    doc.tests[0]!.status = 'XFAIL';
    expect(problems(doc)).toEqual(['/tests/0/status must be equal to one of the allowed values']);
  });

  it('should give the same document the same ids, and a run that starts a second later other ids', () => {
    const rep = makeReport('model', [{ revision: 'R0', family: 'R0 reply', rule: 'reply.baseline', verdict: { kind: 'PASS' }, replay: 'r' }], null);
    const id = (at: string) => (JSON.parse(kcidb(rep, kcidbOptions('maestro:b1', 'lab_x', new Date(at)))) as { tests: Test[] }).tests[0]!.id;
    expect(id('2026-11-30T10:00:00Z')).toBe(id('2026-11-30T10:00:00Z'));
    expect(id('2026-11-30T10:00:00Z')).not.toBe(id('2026-11-30T10:00:01Z'));
    expect(id('2026-11-30T10:00:00Z')).toMatch(/^lab_x:furc-[0-9a-f]{16}\.R0\.reply\.reply-baseline$/);
  });

  it('should refuse, with one line and exit 2, a kcidb run without --build-id, a build id without origin, an origin with capitals, and --build-id without kcidb', async () => {
    const cases: [string[], string][] = [
      [['--format', 'kcidb'], 'furc: --format kcidb needs --build-id ORIGIN:ID (the KCIDB id of the kernel build under test)'],
      [['--format', 'kcidb', '--build-id', 'abc'], 'furc: --build-id abc: want ORIGIN:ID with ORIGIN of [a-z0-9_] (a KCIDB build id)'],
      [['--format', 'kcidb', '--build-id', 'maestro:1', '--origin', 'My-Lab'], 'furc: --origin My-Lab: want [a-z0-9_]+ (the KCIDB origin you submit as)'],
      [['--format', 'json', '--build-id', 'maestro:1'], 'furc: --build-id and --origin go with --format kcidb'],
    ];
    for (const [args, line] of cases) {
      const r = await run(['run', '--target', 'model', ...args]);
      expect([r.rc, r.err, r.out]).toEqual([2, [line], []]);
    }
  });
});
