// furc vm with Debian's 6.1: one boot that finishes serves the fingerprint, the report and the ELF vmlinux checks; the other boots are meant to fail, and fail fast.
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { ROOT } from '../paths.js';
import { diffReports, loadReport } from '../report/diff.js';
import { expectOnlyUringAbsent } from './noUring.testkit.js';
import { imageInfo } from './image.js';
import { FURC_JS } from './vm.js';
import { TCG_NODE_FLAGS } from './qemu.js';
import { debianKernel, furcVm as vmIn, qemuLeft as qemuIn, reason, whyNoVm } from './vm.testkit.js';

const HERE_FIXTURE = `${ROOT}fixtures/kernels/6.18.44-fc-v669.json`;
const work = mkdtempSync(`${tmpdir()}/furc-vmtest-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const k = debianKernel();
const why = whyNoVm(k, 'Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
const furcVm = (own: string[], inner: string[]) => vmIn(work, k!.kernel, own, inner);
const qemuLeft = () => qemuIn(work);

/** The ELF vmlinux inside the bzImage (xz payload), or why there is none. */
async function unpackVmlinux(): Promise<{ path: string } | { skip: string }> {
  const bz = readFileSync(k!.kernel);
  const at = bz.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return { skip: 'this bzImage is not xz-compressed: no vmlinux to unpack' };
  // Straight into the file: execa's collecting of xz's 66 MB took 25 s of CPU (0.8 s this way). The bytes after the
  // xz stream make xz exit 1 once the payload is out.
  const out = openSync(`${work}/vmlinux`, 'w');
  const xz = spawnSync('xz', ['-dc'], { input: bz.subarray(at), stdio: ['pipe', out, 'pipe'] });
  closeSync(out);
  if (statSync(`${work}/vmlinux`).size === 0) return { skip: `xz could not unpack the payload: ${xz.error?.message ?? xz.stderr.toString().trim()}` };
  return { path: `${work}/vmlinux` };
}

// One boot for three checks: the vmlinux (PVH entry; the bzImage if xz cannot unpack it) runs the suite, whose report carries the
// fingerprint `furc probe` prints (a probe step of its own cost a second Node start under TCG; vm73 and standalone cover steps and probe).
let shared: ReturnType<typeof bootOnce> | null = null;
async function bootOnce() {
  const vmlinux = await unpackVmlinux();
  const image = 'path' in vmlinux ? vmlinux.path : k!.kernel;
  // The guest's CPU flags go to its console: the test below checks what the CPU model under TCG leaves out.
  const r = await furcVm(['--kernel', image, '--modules', k!.modules, '--guest-setup', 'grep -m1 ^flags /proc/cpuinfo > /dev/console'],
    ['run', '--target', 'kernel', '--format', 'json', '--out', 'r61.json']);
  const fingerprint = () => loadReport(`${work}/r61.json`).fingerprint!;
  return { vmlinux, image, r, fingerprint, log: readFileSync(`${work}/vm.log`, 'utf8') };
}
const boot = () => (shared ??= bootOnce());

describe('furc vm with Debian 6.1 (vm)', () => {
  it('should print the guest fingerprint: release 6.1, FUSE 7.38, revision none, REGISTER -EOPNOTSUPP (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const { r, fingerprint, log } = await boot();
    expect(r.stderr).toMatch(/furc vm: 6\.1\.0-\d+-amd64 under (KVM|TCG): init after [\d.]+ s, furc exited 4 after [\d.]+ s/);
    const fp = fingerprint();
    expect(fp).toMatchObject({ release: k!.release, fuse_minor: 38, enable_uring: null, revision: 'none', enforced_max_payload_sz: null });
    expect(Object.values(fp.cmd_ops)).toEqual(Array(6).fill('-EOPNOTSUPP'));
    expect(log).toContain('fuse: init (API version 7.38)');
    // Speculation mitigations off under emulation only (the guest kernel prints the command line it got).
    const cmdline = ` ${/Command line: (.*)/.exec(log)?.[1] ?? ''} `;
    // So is the JIT of the guest's node (init.test.ts shows FURC_NODE_FLAGS reaching node).
    const tcgOnly = [' mitigations=off ', ' tsc=reliable ', ` FURC_NODE_FLAGS="${TCG_NODE_FLAGS}" `];
    if (/ under TCG: /.test(r.stderr)) for (const w of tcgOnly) expect(cmdline).toContain(w); else for (const w of tcgOnly) expect(cmdline).not.toContain(w);
    // Under TCG the guest has no ERMS, FSRM or LA57 (qemu.ts TCG_CPU says why); the flags line is there either way.
    const flags = ` ${/^flags\s*:(.*)$/m.exec(log)?.[1] ?? ''} `;
    expect(flags).toContain(' fpu ');
    if (/ under TCG: /.test(r.stderr)) for (const f of [' erms ', ' fsrm ', ' la57 ']) expect(flags).not.toContain(f);
    // The guest keeps its TSC: reading every clock from the emulated HPET cost a TCG guest a sixth of its fuzzing rate.
    expect(log).not.toContain('Marking TSC unstable');
  });

  it("should write a report in the host's cwd whose diff against this machine's fixture is only FUSE-over-io_uring being absent (vm)", async (ctx) => {
    if (why) return ctx.skip(why);
    const { r } = await boot();
    expect(r.exitCode, r.stderr).toBe(4);
    const a = loadReport(HERE_FIXTURE), b = loadReport(`${work}/r61.json`);
    expect(b.summary).toMatchObject({ cases: a.summary.cases, SKIP: a.summary.cases });
    expectOnlyUringAbsent(diffReports(a, b), a, b);
  });

  it('should boot the same kernel as an ELF vmlinux (PVH entry), unpacked from the bzImage, and fingerprint it (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const { vmlinux, image, r, fingerprint } = await boot();
    if ('skip' in vmlinux) return ctx.skip(vmlinux.skip);
    expect(imageInfo(image)).toMatchObject({ format: 'vmlinux', release: k!.release });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(fingerprint()).toMatchObject({ release: k!.release, revision: 'none' });
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

  it('should leave neither qemu nor its work directory behind when furc vm gets SIGTERM mid-boot (vm)', async (ctx) => {
    if (why) return ctx.skip(why);
    const tmp = mkdtempSync(`${tmpdir()}/furc-vmsig-`);
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const p = execa(process.execPath, [FURC_JS, 'vm', '--kernel', k!.kernel, '--modules', k!.modules, '--log', `${work}/sig.log`, '--guest-setup', 'sleep 600', '--', 'probe'],
      { cwd: work, reject: false, env: { TMPDIR: tmp } });
    await new Promise((r) => setTimeout(r, 4000));
    expect(readdirSync(tmp).filter((f) => f.startsWith('furc-vm-'))).toHaveLength(1);
    p.kill('SIGTERM');
    const r = await p;
    expect(r.signal).toBe('SIGTERM');
    await new Promise((res) => setTimeout(res, 500));
    expect(readdirSync(tmp)).toEqual([]);
    expect(await qemuLeft()).toBe('');
  });

  it('should name the Debian package when qemu is not on PATH (vm)', async (ctx) => {
    if (!k) return ctx.skip('Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
    const r = await execa(process.execPath, [FURC_JS, 'vm', '--kernel', k.kernel, '--', 'probe'], { cwd: work, reject: false, env: { PATH: '/nonexistent' }, extendEnv: false });
    expect([r.exitCode, r.stderr]).toEqual([3, 'furc vm: qemu-system-x86_64 not found: install the Debian package qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86)']);
    expect(existsSync(`${work}/furc-vm.log`)).toBe(false);
  });
});
