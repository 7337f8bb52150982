// Which revision the running kernel implements, decided by behaviour on fresh connections, not by version.
import { readFileSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';
import { errnoName } from '../../spec/errno.js';
import type { UringCmdSpec } from '../../spec/model/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { encodeR7Flags } from '../../spec/rules/r7.js';
import { FUSE_URING_ZERO_COPY$R4 } from '../../spec/rules/r4.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import type { RevisionId } from '../../spec/types.js';
import { KernelConn } from './conn.js';

export interface Detection {
  readonly revision: RevisionId | 'none';
  /** Per revision: null if the kernel behaved as it specifies, else what was observed instead. */
  readonly evidence: Readonly<Record<RevisionId, string | null>>;
}

function probeOnce(p: NativeProbe, rev: RevisionId, sqe: UringCmdSpec, keepParam: boolean): string {
  const c = new KernelConn(p, { ...baseConfig(rev, cpus()), enable_uring: true }, keepParam);
  try {
    c.open();
    const ev = c.run({ kind: 'uring_cmd', tag: 'detect', sqe }).find((e) => e.kind === 'cqe' && e.tag === 'detect');
    return ev && ev.kind === 'cqe' ? errnoName(ev.res) : 'held';
  } finally { c.close(); }
}

export function cpus(): number {
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    return text.split(',').reduce((n, part) => { const [a, b] = part.split('-').map(Number); return n + (b === undefined ? 1 : b - a! + 1); }, 0);
  } catch { return 1; }
}

export function detectRevision(p: NativeProbe, keepParam = false): Detection {
  const max = maxPayloadSz(baseConfig('R0', 1).init!, revision('R0').a);
  const plain = registerSqe(0, max);
  const r0 = probeOnce(p, 'R0', plain, keepParam);
  const r8 = probeOnce(p, 'R8', { cmd_op: 3, qid: 0, flags: 0n }, keepParam);
  const r7flags = encodeR7Flags({ bufring: false, pinned_headers: true, pinned_buffers: false, zero_copy: false }, revision('R7').a);
  const r7 = probeOnce(p, 'R7', { ...plain, flags: r7flags }, keepParam);
  const r4 = probeOnce(p, 'R4', { ...plain, init_flags$R4: FUSE_URING_ZERO_COPY$R4 }, keepParam);
  const evidence: Record<RevisionId, string | null> = {
    R0: r0 === 'held' ? null : `a well-formed per-entry REGISTER answered ${r0}`,
    R8: r8 === '0' ? null : `ADD_QUEUE (cmd_op 3) answered ${r8}: not a 7.3 buffer-pool kernel`,
    R7: r7 === '-EINVAL' ? null : `REGISTER with R7-invalid init flags (PINNED_HEADERS without BUFRING) was ${r7}: init flags ignored, behaves as R0`,
    R4: r4 === '-EINVAL' ? null : `REGISTER with init.flags ZERO_COPY without BUF_RING was ${r4}: init word ignored, behaves as R0`,
  };
  const revisionId = evidence.R8 === null ? 'R8' : evidence.R7 === null ? 'R7' : evidence.R4 === null ? 'R4' : evidence.R0 === null ? 'R0' : 'none';
  return { revision: revisionId, evidence };
}
