// Where the tests find the Debian 6.1 kernel that .ci/fetch-kernel unpacks (override with FURC_VM_KERNEL / FURC_VM_MODULES).
import { existsSync, readdirSync } from 'node:fs';

export const KERNEL_CACHE = process.env.FURC_CACHE ?? '/var/cache/furc';

export function debianKernel(): { kernel: string; modules: string; release: string } | null {
  if (process.env.FURC_VM_KERNEL && process.env.FURC_VM_MODULES) {
    return { kernel: process.env.FURC_VM_KERNEL, modules: process.env.FURC_VM_MODULES, release: process.env.FURC_VM_MODULES.split('/').pop()! };
  }
  const root = `${KERNEL_CACHE}/debian-6.1`;
  const image = existsSync(`${root}/boot`) ? readdirSync(`${root}/boot`).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!image) return null;
  const release = image.slice('vmlinuz-'.length);
  const modules = `${root}/lib/modules/${release}`;
  return existsSync(modules) ? { kernel: `${root}/boot/${image}`, modules, release } : null;
}

/** The trixie-backports kernel .ci/fetch-kernel unpacks (FUSE-over-io_uring built in), or null. */
export function backportsKernel(): { kernel: string; modules: string; release: string } | null {
  const root = `${KERNEL_CACHE}/debian-backports`;
  const image = existsSync(`${root}/boot`) ? readdirSync(`${root}/boot`).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!image) return null;
  const release = image.slice('vmlinuz-'.length);
  const modules = [`${root}/usr/lib/modules/${release}`, `${root}/lib/modules/${release}`].find((d) => existsSync(d));
  return modules ? { kernel: `${root}/boot/${image}`, modules, release } : null;
}
