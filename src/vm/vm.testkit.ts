// Where the tests find the kernels .ci/fetch-kernel unpacks (override the 6.1 one with FURC_VM_KERNEL / FURC_VM_MODULES), and how they run furc vm.
import { execa, execaSync } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { FURC_JS } from './vm.js';
import { findBusybox } from './tools.js';

export const KERNEL_CACHE = process.env.FURC_CACHE ?? '/var/cache/furc';

export interface CachedKernel { readonly kernel: string; readonly modules: string; readonly release: string }

/** boot/vmlinuz-<release> under the cache's `dir`, with its modules in usr/lib/modules or lib/modules; null if absent. */
function cached(dir: string): CachedKernel | null {
  const root = `${KERNEL_CACHE}/${dir}`;
  const image = existsSync(`${root}/boot`) ? readdirSync(`${root}/boot`).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!image) return null;
  const release = image.slice('vmlinuz-'.length);
  const modules = [`${root}/usr/lib/modules/${release}`, `${root}/lib/modules/${release}`].find((d) => existsSync(d));
  return modules ? { kernel: `${root}/boot/${image}`, modules, release } : null;
}

/** Debian bookworm's 6.1 (no FUSE-over-io_uring; virtio, 9p and fuse as modules), or null. */
export function debianKernel(): CachedKernel | null {
  const { FURC_VM_KERNEL: kernel, FURC_VM_MODULES: modules } = process.env;
  if (kernel && modules) return { kernel, modules, release: modules.split('/').pop()! };
  return cached('debian-6.1');
}

/** The trixie-backports kernel (FUSE-over-io_uring built in), or null. */
export function backportsKernel(): CachedKernel | null { return cached('debian-backports'); }

const hasQemu = () => { try { return execaSync('qemu-system-x86_64', ['--version']).exitCode === 0; } catch { return false; } };

/** Why this machine cannot boot a guest over 9p (null when it can); `kernel` names the kernel a test needs and how to get it. */
export function whyNoVm(kernel: CachedKernel | null, missing: string): string | null {
  return !hasQemu() ? 'qemu-system-x86_64 missing: apt-get install qemu-system-x86'
    : !findBusybox() ? 'static busybox missing: apt-get install busybox-static'
    : !kernel ? missing
    : process.getuid?.() !== 0 ? 'not root: the guest shares / over 9p with security_model=none' : null;
}

/** furc vm with `own` options (and --kernel unless given), the guest running furc `inner` in `work`. */
export const furcVm = (work: string, kernel: string, own: readonly string[], inner: readonly string[], log = 'vm.log') =>
  execa(process.execPath, [FURC_JS, 'vm', ...(own.includes('--kernel') ? [] : ['--kernel', kernel]), ...own, '--log', `${work}/${log}`, '--', ...inner], { cwd: work, reject: false, timeout: 300_000 });

/** The one line saying why the guest could not run furc (other lines: the KVM trial, the summary). */
export const reason = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('furc vm: ') && !/KVM did not boot|KVM failed a trial|; using TCG$|guest log in|kernel log:/.test(l));

/** Any qemu still running with `work` on its command line. */
export const qemuLeft = async (work: string) => (await execa('pgrep', ['-f', `qemu-system-x86_64 .*${work}`], { reject: false })).stdout.trim();
