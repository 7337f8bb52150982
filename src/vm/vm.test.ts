import { execa, execaSync } from 'execa';
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { diffReports, loadReport } from '../report/diff.js';
import { expectOnlyUringAbsent } from './noUring.testkit.js';
import { imageInfo } from './image.js';
import { findBusybox } from './tools.js';
import { backportsKernel, debianKernel } from './vm.testkit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FURC = `${ROOT}dist/src/cli/furc.js`;
const HERE_FIXTURE = `${ROOT}fixtures/kernels/6.18.44-fc-v669.json`;
const DEB73_FIXTURE = `${ROOT}fixtures/kernels/7.3.4+deb13-amd64.json`;
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
