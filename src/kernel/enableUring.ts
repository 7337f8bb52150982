// fuse.enable_uring: reading and writing the switch (paramLock.ts decides who may), and why a kernel target cannot run.
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';

export const PARAM = '/sys/module/fuse/parameters/enable_uring';


const valueOf = (text: string): 'Y' | 'N' => (text.trim() === 'Y' ? 'Y' : 'N');

export function readParam(): 'Y' | 'N' | null {
  try { return valueOf(readFileSync(PARAM, 'utf8')); } catch { return null; }
}

/** The parameter through an fd held open once it exists: one pread a read (a case reads it), not readFileSync's five syscalls. */
export class HeldParam {
  private fd = -1;
  private readonly buf = Buffer.alloc(8);

  /** Whether the kernel has it (fuse, a module, may be loaded by the first open of /dev/fuse): opened the first time it does. */
  present(): boolean {
    if (this.fd < 0) { try { this.fd = openSync(PARAM, 'r'); } catch { return false; } }
    return true;
  }

  /** Its value now; null while the kernel has none. */
  read(): 'Y' | 'N' | null {
    return this.present() ? valueOf(this.buf.toString('latin1', 0, readSync(this.fd, this.buf, 0, this.buf.length, 0))) : null;
  }

  close(): void { if (this.fd >= 0) closeSync(this.fd); this.fd = -1; }
}

export function writeParam(v: 'Y' | 'N'): void { writeFileSync(PARAM, v); }

/** Why the kernel target cannot run here, or null. */
export function unavailableReason(): string | null {
  // One job at a time may drive this machine's FUSE: another job (or a helper) can keep its hands off with this.
  if (process.env.FURC_NO_KERNEL === '1') return 'FURC_NO_KERNEL=1: kernel cases are turned off for this run';
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): kernel cases need mount(2) and ${PARAM}; run as root`;
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing: modprobe fuse';
  // A kernel without the parameter still runs: detection then reports FUSE-over-io_uring absent, with the evidence.
  return null;
}
