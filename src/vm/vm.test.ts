import { execa, execaSync } from 'execa';
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { diffReports, loadBaseline, loadReport } from '../report/diff.js';
import { caseId } from '../report/report.js';
import { expectOnlyUringAbsent } from './noUring.testkit.js';
import { imageInfo } from './image.js';
import { findBusybox } from './tools.js';
import { backportsKernel, debianKernel } from './vm.testkit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FURC = `${ROOT}dist/src/cli/furc.js`;
const HERE_FIXTURE = `${ROOT}fixtures/kernels/6.18.44-fc-v669.json`;
const DEB61_FIXTURE = `${ROOT}fixtures/kernels/6.1.0-57-amd64.json`;
const DEB617_FIXTURE = `${ROOT}fixtures/kernels/6.17.13+deb13-amd64.json`;
const DEB713_FIXTURE = `${ROOT}fixtures/kernels/7.1.3+deb13-amd64.json`;
const DEB73_FIXTURE = `${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`;
const VOLATILE = `${ROOT}fixtures/kernels/volatile.baseline.json`;
const work = mkdtempSync(`${tmpdir()}/furc-vmtest-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const k = debianKernel();
const hasQemu = (() => { try { return execaSync('qemu-system-x86_64', ['--version']).exitCode === 0; } catch { return false; } })();
const why = !hasQemu ? 'qemu-system-x86_64 missing: apt-get install qemu-system-x86'
  : !findBusybox() ? 'static busybox missing: apt-get install busybox-static'
  : !k ? 'Debian 6.1 kernel not fetched: run .ci/fetch-kernel'
  : process.getuid?.() !== 0 ? 'not root: the guest shares / over 9p with security_model=none' : null;

const furcVm = (own: string[], inner: string[]) =>
  execa(process.execPath, [FURC, 'vm', ...(own.includes('--kernel') ? [] : ['--kernel', k!.kernel]), ...own, '--log', `${work}/vm.log`, '--', ...inner], { cwd: work, reject: false, timeout: 300_000 });

/** The one line saying why the guest could not run furc (other lines: the KVM trial, the summary). */
const reason = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('furc vm: ') && !/KVM did not boot|KVM failed a trial|guest log in|kernel log:/.test(l));

const qemuLeft = async () => (await execa('pgrep', ['-f', `qemu-system-x86_64 .*${work}`], { reject: false })).stdout.trim();

describe('a pre-io_uring kernel against this one (recorded reports)', () => {
  it('should differ from the 6.18 fixture only in the fingerprint and in every case turning SKIP(no FUSE-over-io_uring …)', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(DEB61_FIXTURE);
    expectOnlyUringAbsent(diffReports(a, b), a, b);
  });
});

describe('other kernel builds against this one (recorded reports)', () => {
  it('should show 6.17 differing from 6.18 only in its fingerprint and in both fuse_dev rows answering ENOTCONN (no SYNC_INIT ioctl), reported XFAIL', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(DEB617_FIXTURE);
    const cases = diffReports(a, b).filter((d) => d.kind === 'case');
    expect(cases.map((d) => [d.id, d.a, d.b])).toEqual([
      ['R0/register/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'cqe -ENOTCONN'], ['R0/register/common.fuse_dev.missing', 'cqe -EPERM', 'cqe -ENOTCONN'],
      ['R0/commit_and_fetch/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'cqe -ENOTCONN'], ['R0/commit_and_fetch/common.fuse_dev.missing', 'cqe -EPERM', 'cqe -ENOTCONN']]);
    expect(b.results.filter((r) => r.verdict.kind === 'XFAIL').map(caseId)).toEqual(cases.map((d) => d.id));
    expect(b.summary).toMatchObject({ FAIL: 0, TIMEOUT: 0, ERROR: 0 });
  });

  it('should show 7.1.3 (issue 16) with no FAIL, TIMEOUT or ERROR: fuse_dev.missing blocks (XFAIL, fixed by 1ec674d3d0ed) and sync_init_pending PASS on both R0 families', () => {
    const b = loadReport(DEB713_FIXTURE);
    expect(b.results.filter((r) => !['PASS', 'SKIP', 'XFAIL'].includes(r.verdict.kind)).map((r) => [caseId(r), r.verdict.kind])).toEqual([]);
    expect(b.results.filter((r) => r.verdict.kind === 'XFAIL').map((r) => [caseId(r), r.observed, r.verdict])).toEqual(['register', 'commit_and_fetch'].map((fam) => [
      `R0/${fam}/common.fuse_dev.missing`, 'blocked, then cqe -ERESTARTSYS',
      { kind: 'XFAIL', rule: 'common.fuse_dev.missing', link: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/commit/?id=1ec674d3d0ed' }]));
    expect(b.results.filter((r) => r.rule === 'common.fuse_dev.sync_init_pending' && r.revision === 'R0').map((r) => [caseId(r), r.observed, r.verdict.kind])).toEqual([
      ['R0/register/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'PASS'], ['R0/commit_and_fetch/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'PASS']]);
  });

  it('should show 7.1.3 differing from 6.18 only in its release, its offered INIT flags and the two fuse_dev.missing cases that block instead of answering EPERM', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(DEB713_FIXTURE);
    const diffs = diffReports(a, b, loadBaseline(VOLATILE)).filter((d) => d.status !== 'expected');
    expect(diffs.filter((d) => d.kind === 'fingerprint').map((d) => [d.id, d.b])).toEqual([['fingerprint.release', '"7.1.3+deb13-amd64"'], ['fingerprint.init_flags_offered', '"0x7ff73fffffb"']]);
    expect(diffs.filter((d) => d.kind === 'case').map((d) => [d.id, d.a, d.b])).toEqual([
      ['R0/register/common.fuse_dev.missing', 'cqe -EPERM', 'blocked, then cqe -ERESTARTSYS'], ['R0/commit_and_fetch/common.fuse_dev.missing', 'cqe -EPERM', 'blocked, then cqe -ERESTARTSYS']]);
    expect(b.summary).toMatchObject({ cases: a.summary.cases, FAIL: 0, TIMEOUT: 0, ERROR: 0 });
  });

  it('should show 7.3 judged by R8 alone: R0 cases SKIP as superseded, all 102 reachable R8 cases PASS', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(DEB73_FIXTURE);
    const cases = diffReports(a, b).filter((d) => d.kind === 'case');
    for (const d of cases.filter((x) => x.id.startsWith('R0/'))) expect(d.b).toMatch(/^SKIP\(superseded by R8 on this kernel: ADD_QUEUE \(cmd_op 3\) answered 0/);
    expect(cases.every((d) => d.id.startsWith('R0/') || (d.id.startsWith('R8/') && d.a.startsWith('SKIP(')))).toBe(true);
    const r8 = b.results.filter((r) => r.revision === 'R8');
    const unreachable = (r: (typeof r8)[number]) => r.verdict.kind === 'SKIP' && r.verdict.reason.startsWith('unreachable from userspace');
    expect(r8.filter((r) => !unreachable(r) && r.verdict.kind !== 'PASS').map((r) => [caseId(r), r.observed, r.verdict.kind])).toEqual([]);
    expect(r8.filter((r) => r.verdict.kind === 'PASS')).toHaveLength(102);
    expect(b.summary).toMatchObject({ PASS: 102, FAIL: 0, TIMEOUT: 0, ERROR: 0 });
  });
});

describe('furc vm with Debian 6.1 (vm)', () => {
  it('should print the guest fingerprint: release 6.1, FUSE 7.38, revision none, REGISTER -EOPNOTSUPP (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm(['--modules', k!.modules], ['probe', '--json']);
    expect(r.stderr).toMatch(/furc vm: 6\.1\.0-\d+-amd64 under (KVM|TCG): init after [\d.]+ s, furc exited 0 after [\d.]+ s/);
    expect(r.exitCode).toBe(0);
    const fp = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(fp).toMatchObject({ release: k!.release, fuse_minor: 38, enable_uring: null, revision: 'none', enforced_max_payload_sz: null });
    expect(Object.values(fp.cmd_ops as object)).toEqual(Array(6).fill('-EOPNOTSUPP'));
    expect(readFileSync(`${work}/vm.log`, 'utf8')).toContain('fuse: init (API version 7.38)');
  });

  it("should write a report in the host's cwd whose diff against this machine's fixture is only FUSE-over-io_uring being absent (vm)", async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm(['--modules', k!.modules], ['run', '--target', 'kernel', '--format', 'json', '--out', 'r61.json']);
    expect(r.exitCode, r.stderr).toBe(4);
    const a = loadReport(HERE_FIXTURE), b = loadReport(`${work}/r61.json`);
    expect(b.summary).toMatchObject({ cases: a.summary.cases, SKIP: a.summary.cases });
    expectOnlyUringAbsent(diffReports(a, b), a, b);
  });

  it('should boot the same kernel as an ELF vmlinux (PVH entry), unpacked from the bzImage, and probe it (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const bz = readFileSync(k!.kernel);
    const at = bz.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
    if (at < 0) return ctx.skip('this bzImage is not xz-compressed: no vmlinux to unpack');
    const xz = await execa('xz', ['-dc'], { input: bz.subarray(at), encoding: 'buffer', reject: false, maxBuffer: 1 << 28 });
    if (xz.failed && xz.stdout.length === 0) return ctx.skip(`xz could not unpack the payload: ${xz.stderr.toString().trim()}`);
    writeFileSync(`${work}/vmlinux`, xz.stdout);
    expect(imageInfo(`${work}/vmlinux`)).toMatchObject({ format: 'vmlinux', release: k!.release });
    const r = await furcVm(['--kernel', `${work}/vmlinux`, '--modules', k!.modules], ['probe', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ release: k!.release, revision: 'none' });
    rmSync(`${work}/vmlinux`, { force: true });
  });

  it('should stop a kernel without 9p (no --modules) with one line naming CONFIG_9P_FS, leaving no qemu (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm([], ['probe']);
    expect(r.exitCode).toBe(3);
    expect(reason(r.stderr)).toEqual(['furc vm: the kernel has no 9p filesystem: CONFIG_9P_FS is neither built in nor given as a module (pass --modules DIR)']);
    expect(await qemuLeft()).toBe('');
  });

  it('should stop a corrupted image (64 KiB zeroed in the middle) with one line, leaving no qemu (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const bad = `${work}/vmlinuz-corrupt`;
    copyFileSync(k!.kernel, bad);
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.alloc(64 << 10), 0, 64 << 10, 2 << 20);
    closeSync(fd);
    const t0 = Date.now();
    const r = await furcVm(['--kernel', bad, '--modules', k!.modules, '--timeout', '120'], ['probe']);
    expect(r.exitCode).toBe(3);
    expect(reason(r.stderr)).toEqual([expect.stringMatching(/^furc vm: the kernel image did not decompress: .*(corrupt|error).* \(corrupted or truncated image\?\)$/)]);
    expect(Date.now() - t0).toBeLessThan(120_000);
    expect(await qemuLeft()).toBe('');
  });

  it('should turn a guest that hangs into one line after --timeout 10, leaving no qemu (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm(['--modules', k!.modules, '--timeout', '10', '--guest-setup', 'sleep 600'], ['probe']);
    expect(r.exitCode).toBe(3);
    expect(reason(r.stderr)).toEqual([expect.stringMatching(/^furc vm: the guest did not finish within 1\d s \(hang\?\); last console line: /)]);
    expect(await qemuLeft()).toBe('');
  });

  it('should report a kernel panic and attribute it to the case marked before it (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const r = await furcVm(['--modules', k!.modules, '--guest-setup', 'echo "furc: case R0 demo [panic]" > /dev/kmsg; echo c > /proc/sysrq-trigger'], ['probe']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('furc vm: kernel log: Kernel panic - not syncing: sysrq triggered crash (during case R0 demo [panic])');
    expect(r.stderr).toContain('furc vm: kernel panic: sysrq triggered crash');
  });

  it('should run R0 and R8 inside the trixie-backports kernel exactly as its recorded report says (vm)', async (ctx) => {
    const bp = backportsKernel();
    if (why || !bp) return ctx.skip(why ?? 'trixie-backports kernel not fetched: run .ci/fetch-kernel');
    const recorded = loadReport(DEB73_FIXTURE);
    const rel = (recorded.fingerprint as { release: string }).release;
    if (bp.release !== rel) return ctx.skip(`trixie-backports now ships ${bp.release}, the recorded report is ${rel}: record fixtures/kernels/${bp.release}.json with furc vm`);
    const r = await furcVm(['--kernel', bp.kernel, '--modules', bp.modules], ['run', '--target', 'kernel', '--format', 'json', '--out', 'r73.json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(diffReports(recorded, loadReport(`${work}/r73.json`)).filter((d) => d.kind === 'case')).toEqual([]);
  });

  it('should replay the regression corpus on the trixie-backports kernel: its R8 findings PASS, R0 files SKIP as superseded (vm)', async (ctx) => {
    const bp = backportsKernel();
    if (why || !bp) return ctx.skip(why ?? 'trixie-backports kernel not fetched: run .ci/fetch-kernel');
    const files = readdirSync(`${ROOT}fixtures/regressions`).filter((f) => f.endsWith('.json')).map((f) => `${ROOT}fixtures/regressions/${f}`);
    const r = await furcVm(['--kernel', bp.kernel, '--modules', bp.modules], ['replay', ...files]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^(PASS|FAIL|SKIP)/.test(l));
    expect(lines).toHaveLength(files.length);
    expect(lines.filter((l) => l.startsWith('PASS')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => !l.startsWith('PASS')).every((l) => l.startsWith('SKIP(kernel does not implement R0: superseded by R8'))).toBe(true);
  });

  it('should leave neither qemu nor its work directory behind when furc vm gets SIGTERM mid-boot (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const tmp = mkdtempSync(`${tmpdir()}/furc-vmsig-`);
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const p = execa(process.execPath, [FURC, 'vm', '--kernel', k!.kernel, '--modules', k!.modules, '--log', `${work}/sig.log`, '--guest-setup', 'sleep 600', '--', 'probe'],
      { cwd: work, reject: false, env: { TMPDIR: tmp } });
    await new Promise((r) => setTimeout(r, 4000));
    expect(readdirSync(tmp).filter((f) => f.startsWith('furc-vm-'))).toHaveLength(1);
    p.kill('SIGTERM');
    const r = await p;
    expect(r.signal).toBe('SIGTERM');
    await new Promise((res) => setTimeout(res, 500));
    expect(readdirSync(tmp)).toEqual([]);
    expect(await qemuLeft()).toBe('');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('should name the Debian package when qemu is not on PATH (vm)', async (ctx) => {
    if (!k) return ctx.skip('Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
    const r = await execa(process.execPath, [FURC, 'vm', '--kernel', k.kernel, '--', 'probe'], { cwd: work, reject: false, env: { PATH: '/nonexistent' }, extendEnv: false });
    expect([r.exitCode, r.stderr]).toEqual([3, 'furc vm: qemu-system-x86_64 not found: install the Debian package qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86)']);
    expect(existsSync(`${work}/furc-vm.log`)).toBe(false);
  });
});
