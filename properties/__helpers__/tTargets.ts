// The targets properties run on; the kernel target joins this list when its adapter lands.
import { ModelTarget } from '../../src/target/modelTarget.js';
import type { Target } from '../../src/target/target.js';

export const NR_CPUS = 2;
export const tTargets = (): Target[] => [new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } })];
