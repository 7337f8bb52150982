// furc vm --standalone on Debian's 7.3 kernel: the packed executable on an initramfs root, against npm's furc in the 9p guest.
// CI boots once for a probe (about 12 s under TCG); the full suite, about 35 s a boot, runs twice with FURC_VM_FULL=1.
import { execa, execaSync } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { diffReports, loadReport } from '../report/diff.js';
import { packaged } from '../sea/packaged.testkit.js';
import { findBusybox } from './tools.js';
import { backportsKernel } from './vm.testkit.js';

const FURC = `${ROOT}dist/src/cli/furc.js`;
const DEB73_FIXTURE = `${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`;
const work = mkdtempSync(`${tmpdir()}/furc-satest-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bp = backportsKernel();
const hasQemu = (() => { try { return execaSync('qemu-system-x86_64', ['--version']).exitCode === 0; } catch { return false; } })();
const why = !hasQemu ? 'qemu-system-x86_64 missing: apt-get install qemu-system-x86'
  : !findBusybox() ? 'static busybox missing: apt-get install busybox-static'
  : !bp ? 'trixie-backports kernel not fetched: run .ci/fetch-kernel' : null;
/** Under TCG the full suite takes about 110 s per boot, and this comparison boots twice: too long for every CI run. */
const FULL = process.env.FURC_VM_FULL === '1';

let bin = '';
beforeAll(async () => { if (!why) bin = await packaged(); }, 180_000);

const furcVm = (own: string[], inner: string[], log = 'vm.log') =>
  execa(process.execPath, [FURC, 'vm', '--kernel', bp!.kernel, '--modules', bp!.modules, ...own, '--log', `${work}/${log}`, '--', ...inner], { cwd: work, reject: false, timeout: 600_000 });

describe('furc vm --standalone with Debian 7.3 (vm)', () => {
  it('should probe 7.3.4 from the packed executable alone: revision R8, the recorded fingerprint, no 9p module, results back over ttyS1 (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const recorded = loadReport(DEB73_FIXTURE).fingerprint as unknown as Record<string, unknown>;
    if (bp!.release !== recorded.release) return ctx.skip(`trixie-backports now ships ${bp!.release}, the recorded report is ${String(recorded.release)}`);
    const r = await furcVm(['--standalone', '--binary', bin], ['probe', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const fp = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['release', 'fuse_minor', 'init_flags_offered', 'cmd_ops', 'enforced_max_payload_sz', 'revision']) expect(fp[k], k).toEqual(recorded[k]);
    const log = readFileSync(`${work}/vm.log`, 'utf8');
    expect(log).toContain('furc-init: sending results on /dev/ttyS1');
    expect(log).not.toMatch(/9pnet|v9fs/);
  });

  it('should run the full suite standalone with the same results, case by case and fingerprint, as npm\'s furc in the 9p guest (vm, FURC_VM_FULL=1)', async (ctx) => {
    if (why) return ctx.skip(why);
    if (!FULL) return ctx.skip('compares two full runs under TCG, about 90 s of boot each: set FURC_VM_FULL=1');
    const sa = await furcVm(['--standalone', '--binary', bin], ['run', '--target', 'kernel', '--format', 'json', '--out', 'standalone.json'], 'sa.log');
    const npm = await furcVm([], ['run', '--target', 'kernel', '--format', 'json', '--out', 'npm.json'], 'npm.log');
    expect(sa.exitCode, sa.stderr).toBe(npm.exitCode);
    const a = loadReport(`${work}/npm.json`), b = loadReport(`${work}/standalone.json`);
    // Verdicts as well as observations: the same counts of PASS, FAIL, SKIP, XFAIL, TIMEOUT and ERROR.
    expect(b.summary).toEqual(a.summary);
    expect(diffReports(a, b)).toEqual([]);
  }, 1_200_000);

  it('should stop with one line and exit 3 when the executable to boot is missing, before qemu starts', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm(['--standalone', '--binary', `${work}/furc-none`], ['probe']);
    expect([r.exitCode, r.stderr]).toEqual([3, `furc vm: ${work}/furc-none is missing: run npm run package (furc vm --standalone boots the packed executable)`]);
  });
});
