// What furc vm learnt about KVM on this host, remembered for a day so that no run spends the 20 s KVM trial again.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { dirname } from 'node:path';

/** How long a failed trial is believed: a host's KVM rarely starts working, but a qemu or host-kernel update may fix it. */
export const KVM_MEMO_MS = 24 * 3600_000;

const memoFile = () => `${process.env.FURC_CACHE ?? '/var/cache/furc'}/kvm-unusable.json`;

interface Memo { readonly host: string; readonly hostKernel: string; readonly qemu: string; readonly reason: string; readonly at: string }

/** Which qemu: its path and modification time (an upgrade replaces the file). */
const qemuId = (qemu: string) => { try { return `${qemu}@${statSync(qemu).mtimeMs}`; } catch { return qemu; } };

/** Why KVM is not worth trying, if a trial on this host, host kernel and qemu failed within the last day. */
export function rememberedNoKvm(qemu: string, now = Date.now()): string | null {
  let m: Memo;
  try { m = JSON.parse(readFileSync(memoFile(), 'utf8')) as Memo; } catch { return null; }
  const at = Date.parse(m.at);
  if (m.host !== hostname() || m.hostKernel !== release() || m.qemu !== qemuId(qemu) || !(now - at < KVM_MEMO_MS)) return null;
  return `KVM failed a trial boot on this host at ${m.at} (${m.reason}); remembered until ${new Date(at + KVM_MEMO_MS).toISOString()} in ${memoFile()} (--accel kvm tries again)`;
}

/** Best effort: a cache directory this user cannot write only costs the next run its trial. */
export function rememberNoKvm(qemu: string, reason: string): void {
  const f = memoFile();
  try {
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(`${f}.${process.pid}`, JSON.stringify({ host: hostname(), hostKernel: release(), qemu: qemuId(qemu), reason, at: new Date().toISOString() } satisfies Memo, null, 2) + '\n');
    renameSync(`${f}.${process.pid}`, f);
  } catch { /* see above */ }
}
