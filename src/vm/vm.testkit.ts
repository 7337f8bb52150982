// Where the tests find the kernels .ci/fetch-kernel unpacks (override the 6.1 one with FURC_VM_KERNEL / FURC_VM_MODULES).
import { existsSync, readdirSync } from 'node:fs';

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
