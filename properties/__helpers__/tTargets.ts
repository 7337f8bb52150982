// The targets every property runs on: the model always, the kernel when this machine allows it (else SKIP with why).
import { afterAll } from 'vitest';
import { cpus } from '../../src/kernel/detect.js';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import type { Target } from '../../src/target/target.js';
import type { RevisionId } from '../../spec/types.js';

/** num_possible_cpus() of this machine; the model is given the same number so both targets agree. */
export const NR_CPUS = cpus();

export interface TTarget {
  readonly name: 'model' | 'kernel';
  readonly target: Target | null;
  /** Why this target cannot run here, or null. */
  readonly reason: string | null;
  /** fast-check runs for this target: kernel cases cost a mount each. */
  runs(modelRuns: number): number;
}

const wanted = (n: string) => (process.env.FURC_TARGETS ?? 'model,kernel').split(',').includes(n);

export function tTargets(): TTarget[] {
  const out: TTarget[] = [];
  if (wanted('model')) out.push({ name: 'model', target: new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }), reason: null, runs: (n) => n });
  if (wanted('kernel')) {
    const reason = KernelTarget.unavailable();
    const target = reason ? null : new KernelTarget();
    if (target) afterAll(() => target.dispose());
    out.push({ name: 'kernel', target, reason, runs: (n) => Math.max(4, Math.ceil(n / 8)) });
  }
  return out;
}

/** The target to run on, or a SKIP (with the observed reason) when it cannot run or lacks the revision. */
export async function tReady(ctx: { skip: (note?: string) => never }, t: TTarget, rev?: RevisionId): Promise<Target> {
  if (!t.target) return ctx.skip(`${t.name}: ${t.reason}`);
  if (rev) {
    const why = await t.target.unsupported(rev);
    if (why) return ctx.skip(`${t.name} does not implement ${rev}: ${why}`);
  }
  return t.target;
}
