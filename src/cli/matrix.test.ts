// furc matrix and furc merge as processes, on recorded reports (no guest): shards merge to the unsharded timeline, baselines judge.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import type { MatrixBaseline } from '../matrix/baseline.js';
import type { MatrixReport } from '../matrix/report.js';
import { main } from './main.js';

const FURC = `${ROOT}dist/src/cli/furc.js`;
const work = mkdtempSync(`${tmpdir()}/furc-matrix-test-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const furc = (...args: string[]) => execa(process.execPath, [FURC, ...args], { cwd: work, reject: false, env: { FURC_CACHE: `${work}/cache` } });
/** In-process, for the refusals: they must not start anything, so no process is needed to contain them. */
async function furcHere(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const exitCode = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { exitCode, stdout: out.join('\n'), stderr: err.join('\n') };
}

// Four builds already run elsewhere: the matrix reads their reports instead of booting them.
const KERNELS = `${work}/kernels.txt`;
writeFileSync(KERNELS, ['6.1.0-57 report=6.1.0-57-amd64.json', '6.17.13 report=6.17.13+deb13-amd64.json', '6.18.44 report=6.18.44-fc-v669.json', '7.3.4 report=7.3.4+deb13-amd64.json']
  .map((l) => l.replace('report=', `report=${ROOT}fixtures/kernels/`)).join('\n') + '\n');
const BASELINE = `${ROOT}fixtures/matrix/debian.baseline.json`;
const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as MatrixBaseline;
const NO_EPERM = `${work}/no-eperm.baseline.json`;
writeFileSync(NO_EPERM, JSON.stringify({ expected: baseline.expected.filter((e) => e.b !== 'cqe -EPERM') }));
const report = (dir: string) => JSON.parse(readFileSync(`${work}/${dir}/timeline.json`, 'utf8')) as MatrixReport;
const eperm = (r: MatrixReport) => r.timeline.rows.find((x) => x.id === 'R0/register/common.fuse_dev.missing')!.changes;

describe('furc matrix on recorded reports', () => {
  it('should list the 6.17.13 → 6.18.44 EPERM change as expected under the Debian baseline, bisect 6.17.13..6.18.44', async () => {
    const r = await furc('matrix', '--kernels', KERNELS, '--baseline', BASELINE, '--out', 'with');
    expect(r.stdout).toMatch(/R0\/register\/common\.fuse_dev\.missing: cqe -ENOTCONN → cqe -EPERM {2}\[expected: 6\.18 "allow synchronous FUSE_INIT"/);
    expect(eperm(report('with')).filter((c) => c.to === '6.18.44')).toEqual([expect.objectContaining({ from: '6.17.13', a: 'cqe -ENOTCONN', b: 'cqe -EPERM', expected: true })]);
  });

  it('should list the same change as UNEXPECTED, and exit 1, under a baseline without it', async () => {
    const r = await furc('matrix', '--kernels', KERNELS, '--baseline', NO_EPERM, '--out', 'without');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/R0\/register\/common\.fuse_dev\.missing: cqe -ENOTCONN → cqe -EPERM {2}\[UNEXPECTED\]/);
    expect(eperm(report('without')).find((c) => c.to === '6.18.44')!.expected).toBe(false);
  });

  it('should write the same timeline from 3 shard processes and furc merge as from one unsharded run', async () => {
    await furc('matrix', '--kernels', KERNELS, '--baseline', BASELINE, '--out', 'whole');
    const shards = await Promise.all([1, 2, 3].map((i) => furc('matrix', '--kernels', KERNELS, '--baseline', BASELINE, '--shard', `${i}/3`, '--out', `shard${i}`)));
    expect(shards.map((s) => s.stderr.match(/(\d+) of 4 builds/)?.[1])).toEqual(['2', '1', '1']);
    const m = await furc('merge', '--out', 'merged', 'shard3', 'shard1', 'shard2');
    expect(m.stderr).toBe('');
    const { runs: _a, ...merged } = report('merged'), { runs: _b, ...whole } = report('whole');
    expect(merged).toEqual(whole);
  });

  it('should mark with * the 2 builds shard 1/2 owns in --list, fetching and booting nothing', async () => {
    const r = await furc('matrix', '--kernels', KERNELS, '--shard', '1/2', '--list');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('*')).map((l) => l.split(/\s+/)[1])).toEqual(['6.1.0-57', '6.18.44']);
    expect(r.exitCode).toBe(0);
  });
});

describe('furc matrix and merge refuse bad input with one line and exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['both lists', ['matrix', '--debian', 'sid', '--kernels', KERNELS], /^furc: give exactly one of --debian SUITE\[:GLOB\] and --kernels FILE/],
    ['no list', ['matrix'], /^furc: give exactly one of/],
    ['shard 0/2', ['matrix', '--kernels', KERNELS, '--shard', '0/2'], /^furc: --shard 0\/2: want i\/N/],
    ['jobs 0', ['matrix', '--kernels', KERNELS, '--jobs', '0'], /^furc: --jobs takes a whole number from 1 to 64, got '0'$/],
    ['cache size', ['matrix', '--prune', '--cache-max', 'lots'], /^furc: --cache-max lots: want a size such as 8G or 500M$/],
    ['prune with a list', ['matrix', '--prune', '--kernels', KERNELS], /^furc: --prune only takes --cache-max \(got --kernels\)$/],
    ['unknown option', ['matrix', '--kernels', KERNELS, '--colour'], /^furc: unknown option '--colour' \(usage: furc matrix /],
    ['suite without name', ['matrix', '--debian', ':7.2.*'], /^furc: --debian :7\.2\.\*: ':7\.2\.\*' names no suite/],
    ['merge of nothing', ['merge'], /^furc: usage: furc merge/],
    ['merge of a missing path', ['merge', 'nowhere'], /^furc: nowhere: no such file or directory$/],
  ];
  for (const [what, args, msg] of cases) {
    it(`should refuse ${what}: ${args.slice(1).join(' ') || '(nothing)'}`, async () => {
      const r = await furcHere(...args);
      expect([r.exitCode, r.stderr.split('\n').length]).toEqual([2, 1]);
      expect(r.stderr).toMatch(msg);
    });
  }

  it('should refuse to run matrix-guest outside a furc vm guest, where it would drive this machine\'s FUSE', async () => {
    const r = await furcHere('matrix-guest', '--seed', '1', '--fuzz-runs', '1', '--fuzz-time', '10');
    expect([r.exitCode, r.stderr]).toEqual([2, "furc: matrix-guest runs inside a furc vm guest only (it drives this machine's FUSE)"]);
  });

  it('should refuse a kernels file whose line 2 names an image that does not exist, before running line 1', async () => {
    writeFileSync(`${work}/bad.txt`, `6.17.13 report=${ROOT}fixtures/kernels/6.17.13+deb13-amd64.json\nmine ./bzImage\n`);
    const r = await furcHere('matrix', '--kernels', `${work}/bad.txt`, '--out', `${work}/bad`);
    expect([r.exitCode, r.stderr]).toEqual([2, `furc: ${work}/bad.txt:2: image ${work}/bzImage is not a file`]);
  });
});
