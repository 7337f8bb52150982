// KVM or TCG, decided once per matrix: a memo or an unopenable /dev/kvm settles it, else one short KVM boot of the first build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rememberedNoKvm, rememberNoKvm } from '../vm/kvmMemo.js';
import type { Accel } from '../vm/qemu.js';
import { findTools, kvmOpenable } from '../vm/tools.js';
import { runVm } from '../vm/vm.js';
import type { Prepared } from './plan.js';

/** furc vm's own KVM trial window: a stock kernel under KVM reaches init and runs `furc --help` well within it. */
const TRIAL_S = 20;

export async function decideAccel(asked: Accel | 'auto', probe: Prepared | null): Promise<{ accel: Accel; why: string }> {
  if (asked !== 'auto') return { accel: asked, why: `--accel ${asked}` };
  if (!probe?.kernel) return { accel: 'tcg', why: 'no guest to boot (recorded reports only)' };
  const tools = findTools();
  const no = kvmOpenable() ?? rememberedNoKvm(tools.qemu);
  if (no) return { accel: 'tcg', why: no };
  const cwd = mkdtempSync(`${tmpdir()}/furc-kvmtrial-`);
  try {
    const r = await runVm({ kernel: probe.kernel, ...(probe.modules ? { modules: probe.modules } : {}), timeoutS: TRIAL_S, memM: 512, accel: 'kvm', furcArgs: ['--help'], cwd, note: () => {} });
    if (r.failure === null && r.status === 0) return { accel: 'kvm', why: `a KVM guest ran furc within ${TRIAL_S} s` };
    const why = `KVM trial boot: ${r.failure ?? `furc exited ${r.status}`}`;
    rememberNoKvm(tools.qemu, why);
    return { accel: 'tcg', why };
  } finally { rmSync(cwd, { recursive: true, force: true }); }
}
