// Host programs furc vm needs, and the Debian package that provides each one.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class VmError extends Error {}

const which = (name: string): string | null => {
  for (const d of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(d, name);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
};

export interface Tools { readonly qemu: string; readonly busybox: string; readonly setpriv: string }

/** The static busybox goes into the initramfs: a dynamic one would need the host's libc in the guest too. */
const BUSYBOX_STATIC = ['/bin/busybox', '/usr/bin/busybox'];

export function findTools(): Tools {
  const qemu = which('qemu-system-x86_64');
  if (!qemu) throw new VmError('qemu-system-x86_64 not found: install the Debian package qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86)');
  const setpriv = which('setpriv');
  if (!setpriv) throw new VmError('setpriv not found: install the Debian package util-linux');
  const busybox = findBusybox();
  if (!busybox) throw new VmError('no static busybox found (/bin/busybox): install the Debian package busybox-static');
  return { qemu, busybox, setpriv };
}

/** FURC_BUSYBOX names another static busybox; a wrong one is refused rather than copied into the guest. */
export function findBusybox(): string | null {
  const env = process.env.FURC_BUSYBOX;
  if (env !== undefined && env !== '') {
    if (!isStatic(env)) throw new VmError(`FURC_BUSYBOX=${env} is not a statically linked executable (want the busybox of Debian's busybox-static)`);
    return env;
  }
  return BUSYBOX_STATIC.find((p) => existsSync(p) && isStatic(p)) ?? null;
}

/** A static ELF has no PT_INTERP program header. */
function isStatic(path: string): boolean {
  try {
    const b = readFileSync(path);
    if (b.readUInt32BE(0) !== 0x7f454c46) return false;
    const phoff = Number(b.readBigUInt64LE(0x20)), phentsize = b.readUInt16LE(0x36), phnum = b.readUInt16LE(0x38);
    for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return false;
    return true;
  } catch { return false; }
}

/** KVM is only worth trying when /dev/kvm opens read-write; whether it can run this kernel is learnt by booting. */
export function kvmOpenable(): string | null {
  try { accessSync('/dev/kvm', constants.R_OK | constants.W_OK); return null; } catch (e) { return `/dev/kvm ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not read-write for this user'}`; }
}
