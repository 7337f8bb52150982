// `furc vm`: boot a kernel image in QEMU with the host's root over 9p (or, standalone, the packed executable alone), run furc inside, bring back its output and the kernel log.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, resolve, sep } from 'node:path';
import { ROOT } from '../paths.js';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { imageInfo, type ImageInfo } from './image.js';
import { initScript, type Share } from './init.js';
import { resolveModules } from './modules.js';
import { ResultsError, unpackResults } from './results.js';
import { checkBinary, STANDALONE_MODULES, standaloneInitramfs, writeBack } from './standalone.js';
import { commandLine, lastLine, runQemu, type Accel, type QemuRun } from './qemu.js';
import { attributeSplats, type Splat } from './splats.js';
import { rememberedNoKvm, rememberNoKvm } from './kvmMemo.js';
import { findTools, kvmOpenable, VmError } from './tools.js';

/** Under KVM a kernel reaches init in a couple of seconds; past this the trial is abandoned for TCG. */
const KVM_TRIAL_MS = 20_000;
/** TCG runs the guest several times slower than the host: settle windows and deadlines stretch by this much. */
export const TCG_TIME_SCALE = 10;
export const FURC_JS = `${ROOT}dist/src/cli/furc.js`;

export interface VmOptions {
  readonly kernel: string;
  readonly modules?: string;
  readonly timeoutS: number;
  readonly memM: number;
  readonly accel: Accel | 'auto';
  readonly furcArgs: readonly string[];
  readonly cwd: string;
  readonly setup?: string;
  /** Boot this packed executable (npm run package) on an initramfs root instead of the host's root over 9p with node. */
  readonly standalone?: string;
  /** FURC_TIME_SCALE in the guest; by default 1 under KVM and TCG_TIME_SCALE under emulation. */
  readonly timeScale?: number;
  readonly note: (s: string) => void;
  readonly onLine?: (l: string) => void;
}

export interface VmResult {
  readonly image: ImageInfo;
  readonly accel: Accel;
  readonly run: QemuRun;
  /** furc's exit status inside the guest; null when it did not finish. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dmesg: string;
  readonly splats: readonly Splat[];
  /** One line naming what went wrong, or null when furc ran to completion. */
  readonly failure: string | null;
}

/** Guest mounts (tmpfs, proc, …) hide these host directories; the ones furc needs are shared again on their own. */
const HIDDEN = ['/tmp', '/run', '/dev', '/proc', '/sys'];
const under = (p: string, d: string) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);

export function sharesFor(cwd: string, needed: readonly string[], out: string): Share[] {
  if (cwd === '/') throw new VmError('furc vm shares the current directory writable with the guest: run it from a directory other than /');
  const shares: Share[] = [{ tag: 'hostroot', hostPath: '/', guestPath: '/', readonly: true }, { tag: 'furcout', hostPath: out, guestPath: '', readonly: false }];
  shares.push({ tag: 'cwd', hostPath: cwd, guestPath: cwd, readonly: false });
  needed.filter((p) => HIDDEN.some((h) => under(p, h)) && !under(p, cwd))
    .forEach((p, i) => shares.push({ tag: `hidden${i}`, hostPath: p, guestPath: p, readonly: true }));
  return shares;
}

function initramfs(busybox: string, modules: readonly { name: string; data: Buffer }[], script: string): Buffer {
  const entries: CpioEntry[] = [
    { kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
    { kind: 'file', path: 'init', data: Buffer.from(script), mode: 0o755 },
    // The kernel opens /dev/console for init before anything is mounted: without the node, init has no output.
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    ...modules.map((m): CpioEntry => ({ kind: 'file', path: `lib/modules/${m.name}.ko`, data: m.data })),
  ];
  return cpioNewc(entries);
}

export async function runVm(o: VmOptions): Promise<VmResult> {
  const tools = findTools();
  const image = imageInfo(o.kernel);
  const mods = o.modules ? resolveModules(o.modules, o.standalone ? STANDALONE_MODULES : undefined) : null;
  const modRelease = mods?.vermagic?.split(' ')[0];
  if (mods && modRelease && image.release && modRelease !== image.release) throw new VmError(`--modules ${o.modules} is for ${modRelease} but --kernel ${o.kernel} is ${image.release}`);
  if (o.standalone) checkBinary(o.standalone);
  else if (!existsSync(FURC_JS)) throw new VmError(`${FURC_JS} is missing: run npm install (it builds dist/)`);
  const work = mkdtempSync(`${tmpdir()}/furc-vm-`);
  // On SIGINT/SIGTERM qemu dies with us (setpriv --pdeathsig); the work directory is removed here.
  const onSignal = (sig: NodeJS.Signals) => { rmSync(work, { recursive: true, force: true }); process.kill(process.pid, sig); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const out = `${work}/out`;
    mkdirSync(out);
    const cwd = resolve(o.cwd);
    const modules = mods?.load ?? [];
    let all: Share[] = [];
    if (o.standalone) {
      writeFileSync(`${work}/initramfs.cpio`, standaloneInitramfs({ busybox: tools.busybox, binary: o.standalone, modules, plan: { cwd, args: o.furcArgs, ...(o.setup ? { setup: o.setup } : {}) } }));
    } else {
      all = sharesFor(cwd, [ROOT.replace(/\/$/, ''), dirname(process.execPath)], out);
      const mounted = all.filter((s) => s.tag !== 'furcout');
      const script = initScript({
        modules: modules.map((m) => `${m.name}.ko`), shares: mounted, cwd, ...(o.setup ? { setup: o.setup } : {}), argv: [process.execPath, FURC_JS, ...o.furcArgs],
        env: { PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${dirname(process.execPath)}`, HOME: '/root', LANG: 'C.UTF-8', FURC_IN_VM: '1', FURC_KMSG_MARKERS: '1' },
      });
      writeFileSync(`${work}/initramfs.cpio`, initramfs(tools.busybox, modules, script));
    }
    const plan = (accel: Accel) => ({
      qemu: tools.qemu, setpriv: tools.setpriv, kernel: resolve(o.kernel), initrd: `${work}/initramfs.cpio`, shares: all, mem: o.memM, smp: 2, accel,
      console: `${work}/console-${accel}.log`, ...(o.standalone ? { results: `${work}/results-${accel}.txt` } : {}), append: commandLine(accel, { standalone: !!o.standalone, timeScale: o.timeScale ?? (accel === 'tcg' ? TCG_TIME_SCALE : 1) }),
    });
    const deadline = Date.now() + o.timeoutS * 1000;
    const left = () => Math.max(1000, deadline - Date.now());
    const noKvm = o.accel === 'tcg' ? 'asked for TCG' : kvmOpenable() ?? (o.accel === 'auto' ? rememberedNoKvm(tools.qemu) : null);
    if (noKvm && o.accel === 'kvm') throw new VmError(`--accel kvm: ${noKvm}`);
    let accel: Accel = noKvm ? 'tcg' : 'kvm';
    if (noKvm && o.accel === 'auto') o.note(`furc vm: ${noKvm}; using TCG`);
    const trial = accel === 'kvm' && o.accel === 'auto';
    let run = await runQemu(plan(accel), { timeoutMs: left(), silentMs: Math.min(60_000, left()), bootByMs: trial ? KVM_TRIAL_MS : undefined, onLine: o.onLine });
    // /dev/kvm can exist and still not run a stock kernel (nested virtualisation): qemu refuses, or the boot stalls.
    const e = run.end;
    const kvmFailed = e.kind === 'silent' || e.kind === 'no-boot' ? `init did not start within ${KVM_TRIAL_MS / 1000} s; last console line: ${lastLine(run.console) || '(none)'}`
      : e.kind === 'qemu-error' && /kvm/i.test(e.reason) ? e.reason : null;
    if (trial && kvmFailed) {
      rememberNoKvm(tools.qemu, kvmFailed);
      o.note(`furc vm: KVM did not boot the kernel (${kvmFailed}); falling back to TCG`);
      accel = 'tcg';
      run = await runQemu(plan(accel), { timeoutMs: left(), silentMs: Math.min(60_000, left()), onLine: o.onLine });
    }
    // TCG has been seen to trip an int3 Oops before init while the kernel patches its own text (the next boot is fine):
    // the guest never ran furc, so it is booted once more, and said so.
    if (accel === 'tcg' && run.bootMs === null && run.end.kind === 'fatal' && /Oops: int3/.test(run.console)) {
      o.note(`furc vm: the kernel died before init under TCG (${run.end.reason}); booting it once more`);
      run = await runQemu(plan(accel), { timeoutMs: left(), silentMs: Math.min(60_000, left()), onLine: o.onLine });
    }
    // Standalone: the frames the guest sent on ttyS1, its cwd files written back here; otherwise the 9p share's files.
    let files: Map<string, Buffer> | null = null, lost: string | null = null;
    if (o.standalone && run.end.kind === 'done') {
      try { files = unpackResults(readFileSync(`${work}/results-${accel}.txt`, 'latin1')); writeBack(files, cwd); } catch (e) {
        if (!(e instanceof ResultsError)) throw e;
        lost = `the results on the guest's second serial port are incomplete: ${e.message}`;
      }
    }
    const read = (f: string) => { try { return files ? files.get(f)?.toString('utf8') ?? '' : readFileSync(`${out}/${f}`, 'utf8'); } catch { return ''; } };
    const statusText = read('status').trim();
    const status = run.end.kind === 'done' && /^\d+$/.test(statusText) ? Number(statusText) : null;
    const dmesg = read('dmesg');
    return {
      image, accel, run, status, stdout: read('stdout'), stderr: read('stderr'), dmesg,
      splats: attributeSplats(dmesg || run.console), failure: lost ?? failureOf(run, accel, basename(o.kernel)),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

function failureOf(run: QemuRun, accel: Accel, kernel: string): string | null {
  const e = run.end;
  switch (e.kind) {
    case 'done': return null;
    case 'fatal': return e.reason;
    case 'qemu-error': return `qemu could not start ${kernel}: ${e.reason}`;
    case 'silent': return `no output on the serial console within ${Math.round(e.afterMs / 1000)} s under ${accel.toUpperCase()}: the image has no serial console (CONFIG_SERIAL_8250_CONSOLE) or is not an x86_64 kernel`;
    case 'no-boot': return `init did not start within ${Math.round(e.afterMs / 1000)} s under ${accel.toUpperCase()}; last console line: ${e.lastLine || '(none)'}`;
    case 'timeout': return `the guest did not finish within ${Math.round(e.afterMs / 1000)} s (hang?); last console line: ${e.lastLine || '(none)'}`;
  }
}
