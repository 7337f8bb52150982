// furc vm with the trixie-backports kernel (7.3, R8): one boot replays the regression corpus (a guest step), then runs the suite against its recorded report.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { diffReports, loadReport } from '../report/diff.js';
import { furcStep, stepResult } from './guestSteps.testkit.js';
import { backportsKernel, furcVm, whyNoVm } from './vm.testkit.js';

const DEB73_FIXTURE = `${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`;
const work = mkdtempSync(`${tmpdir()}/furc-vm73test-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bp = backportsKernel();
const recordedRelease = (loadReport(DEB73_FIXTURE).fingerprint as { release: string }).release;
const why = whyNoVm(bp, 'trixie-backports kernel not fetched: run .ci/fetch-kernel')
  ?? (bp!.release !== recordedRelease ? `trixie-backports now ships ${bp!.release}, the recorded report is ${recordedRelease}: record fixtures/kernels/${bp!.release}.json with furc vm` : null);
const corpus = readdirSync(`${ROOT}fixtures/regressions`).filter((f) => f.endsWith('.json')).map((f) => `${ROOT}fixtures/regressions/${f}`);

// Replay first: a guest step cannot fail the boot, so the suite still runs and each check reads its own result.
let shared: ReturnType<typeof bootOnce> | null = null;
async function bootOnce() {
  // furc vm's own bound comes first (a guest usually needs about 40 s), so a slow guest fails with its log, not a vitest timeout.
  const r = await furcVm(work, bp!.kernel, ['--modules', bp!.modules, '--timeout', '270', '--guest-setup', furcStep('replay', ['replay', ...corpus])],
    ['run', '--target', 'kernel', '--format', 'json', '--out', 'r73.json']);
  return { r, replay: stepResult(work, 'replay') };
}
/** The guest console's last lines (the case markers say where a slow guest was). */
const logTail = () => { try { return readFileSync(`${work}/vm.log`, 'utf8').split('\n').slice(-40).join('\n'); } catch { return '(no guest log)'; } };
const boot = () => (shared ??= bootOnce());

describe('furc vm with the trixie-backports kernel (vm)', () => {
  it(`should run R0 and R8 inside ${recordedRelease} exactly as its recorded report says (vm)`, async (ctx) => {
    if (why) return ctx.skip(why);
    const { r } = await boot();
    expect(r.exitCode, `${r.stderr}\n${logTail()}`).toBe(0);
    expect(diffReports(loadReport(DEB73_FIXTURE), loadReport(`${work}/r73.json`)).filter((d) => d.kind === 'case')).toEqual([]);
  });

  it(`should replay the ${corpus.length} regression files there: its R8 findings PASS (at least 2), R0 files SKIP as superseded (vm)`, async (ctx) => {
    if (why) return ctx.skip(why);
    const { replay } = await boot();
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    const lines = replay.stdout.split('\n').filter((l) => /^(PASS|FAIL|SKIP)/.test(l));
    expect(lines).toHaveLength(corpus.length);
    expect(lines.filter((l) => l.startsWith('PASS')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => !l.startsWith('PASS')).every((l) => l.startsWith('SKIP(kernel does not implement R0: superseded by R8'))).toBe(true);
  });
});
