// Which revision the running kernel implements, decided by behaviour on fresh connections, not by version.
import { readFileSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';
import { errnoName } from '../../spec/errno.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { encodeR7Flags } from '../../spec/rules/r7.js';
import { FUSE_URING_CMD, FUSE_URING_ZERO_COPY$R4 } from '../../spec/uapi/fuse_uring.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import type { RevisionId } from '../../spec/types.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import { KernelConn, type ConnEnv } from './conn.js';
import { readParam } from './enableUring.js';
import type { InitOffer } from './fuseMsg.js';

const ADD_QUEUE = FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_QUEUE;

export interface Detection {
  readonly revision: RevisionId | 'none';
  /** Per revision: null if the kernel behaved as it specifies, else what was observed instead. */
  readonly evidence: Readonly<Record<RevisionId, string | null>>;
  /** Kernel facts (assumption ids) measured where kernels of one revision differ; the model of this kernel takes them. */
  readonly facts: Readonly<Record<string, number>>;
}

function probeOnce(p: NativeProbe, env: ConnEnv, rev: RevisionId, sqe: UringCmdSpec, keepParam: boolean): { answer: string; offer: InitOffer | null } {
  const c = new KernelConn(p, { ...baseConfig(rev, cpus()), enable_uring: true }, env, keepParam);
  try {
    c.open();
    const ev = c.run({ kind: 'uring_cmd', tag: 'detect', sqe }).find((e) => e.kind === 'cqe' && e.tag === 'detect');
    return { answer: ev && ev.kind === 'cqe' ? errnoName(ev.res) : 'held', offer: c.offer };
  } finally { c.close(); }
}

/** Why there is no FUSE-over-io_uring at all: what REGISTER answered, what INIT offered, what the parameter says. */
export function absentEvidence(register: string, offer: InitOffer | null, param: 'Y' | 'N' | null): string {
  const proto = offer ? `FUSE 7.${offer.minor} ${(offer.flags & FUSE_INIT_FLAG.FUSE_OVER_IO_URING) !== 0n ? 'offers' : 'does not offer'} FUSE_OVER_IO_URING` : 'no FUSE_INIT offer';
  const knob = param === null ? 'no fuse.enable_uring parameter' : `fuse.enable_uring=${param}`;
  return `no FUSE-over-io_uring: a well-formed per-entry REGISTER answered ${register} (${proto}; ${knob})`;
}

let possibleCpus: number | null = null;

/** num_possible_cpus(): cpu_possible_mask is fixed at boot, so /sys is read once per process. */
export function cpus(): number {
  if (possibleCpus !== null) return possibleCpus;
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    possibleCpus = text.split(',').reduce((n, part) => { const [a, b] = part.split('-').map(Number); return n + (b === undefined ? 1 : b - a! + 1); }, 0);
  } catch { possibleCpus = 1; }
  return possibleCpus;
}

export function detectRevision(p: NativeProbe, env: ConnEnv, keepParam = false): Detection {
  const max = maxPayloadSz(baseConfig('R0', 1).init!, revision('R0').a);
  const plain = registerSqe(0, max);
  const param = readParam();
  const { answer: r0, offer } = probeOnce(p, env, 'R0', plain, keepParam);
  const r8 = probeOnce(p, env, 'R8', { cmd_op: ADD_QUEUE, qid: 0, flags: 0n }, keepParam).answer;
  // Neither the per-entry REGISTER nor ADD_QUEUE works: one reason for every revision, so two kernels diff cleanly.
  if (r0 !== 'held' && r8 !== '0') {
    const why = absentEvidence(r0, offer, param);
    return { revision: 'none', evidence: { R0: why, R4: why, R7: why, R8: why }, facts: {} };
  }
  const r7flags = encodeR7Flags({ bufring: false, pinned_headers: true, pinned_buffers: false, zero_copy: false }, revision('R7').a);
  const r7 = probeOnce(p, env, 'R7', { ...plain, flags: r7flags }, keepParam).answer;
  const r4 = probeOnce(p, env, 'R4', { ...plain, init_flags$R4: FUSE_URING_ZERO_COPY$R4 }, keepParam).answer;
  const evidence: Record<RevisionId, string | null> = {
    // A 7.3 kernel takes the per-entry REGISTER too, but with 7.3 semantics (a failed REGISTER disables io-uring
    // on the connection, as the R8 model says): R0's model of 6.14–7.2 does not describe it, so R8 judges it.
    R0: r8 === '0' ? `superseded by R8 on this kernel: ADD_QUEUE (cmd_op ${ADD_QUEUE}) answered 0, so its per-entry REGISTER follows 7.3 rules (R8 register.per_entry)`
      : r0 === 'held' ? null : `a well-formed per-entry REGISTER answered ${r0}`,
    R8: r8 === '0' ? null : `ADD_QUEUE (cmd_op ${ADD_QUEUE}) answered ${r8}: not a 7.3 buffer-pool kernel`,
    R7: r7 === '-EINVAL' ? null : `REGISTER with R7-invalid init flags (PINNED_HEADERS without BUFRING) was ${r7}: init flags ignored, behaves as R0`,
    R4: r4 === '-EINVAL' ? null : `REGISTER with init.flags ZERO_COPY without BUF_RING was ${r4}: init word ignored, behaves as R0`,
  };
  const revisionId = evidence.R8 === null ? 'R8' : evidence.R7 === null ? 'R7' : evidence.R4 === null ? 'R4' : evidence.R0 === null ? 'R0' : 'none';
  // 7.2's fuse_chan rework makes the ring at INIT: a COMMIT to qid nr_cpus before any REGISTER then meets the qid check
  // (EINVAL); 6.14–7.1 have no ring yet (ENOTCONN).
  const commit = { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: cpus(), commit_id: 1n } as const;
  const chan = evidence.R0 === null ? probeOnce(p, env, 'R0', commit, keepParam).answer : null;
  const facts: Record<string, number> = chan === null ? {} : { 'kernel.fuse_chan': chan === '-EINVAL' ? 1 : 0 };
  return { revision: revisionId, evidence, facts };
}
