// `furc probe`: what this kernel offers and enforces, measured on fresh connections (runs in the worker).
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { NativeProbe } from '../../native-probe/index.js';
import { errnoName } from '../../spec/errno.js';
import type { UringCmdSpec } from '../../spec/conn/commands.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { KernelConn, type ConnEnv } from './conn.js';
import { cpus, detectRevision, type Detection } from './detect.js';
import { readParam } from './enableUring.js';

export interface Fingerprint {
  readonly release: string;
  readonly fuse_minor: number | null;
  readonly init_flags_offered: string;
  readonly init_flags_offered_names: readonly string[];
  readonly enable_uring: string | null;
  readonly io_uring_disabled: string | null;
  readonly possible_cpus: number;
  /** Result of each cmd_op 0..5 on a fresh initialized connection, in the order sent (REGISTER last). */
  readonly cmd_ops: Readonly<Record<string, string>>;
  /** Smallest payload iovec REGISTER accepts for INIT max_write=131072, max_pages=32 with FUSE_MAX_PAGES. */
  readonly enforced_max_payload_sz: number | null;
  readonly revision: Detection['revision'];
  readonly evidence: Detection['evidence'];
}

const read = (p: string) => { try { return readFileSync(p, 'utf8').trim(); } catch { return null; } };
const reg = (qid: number, len: number): UringCmdSpec => registerSqe(qid, len);
const C = FUSE_URING_CMD;
/** Every cmd_op 7.3 has and the one past them, REGISTER last (it creates the queue the others would then meet). */
const PROBED_CMD_OPS = [C.FUSE_IO_URING_CMD_INVALID, C.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, C.FUSE_IO_URING_CMD_ADD_QUEUE,
  C.FUSE_IO_URING_CMD_ADD_BUFPOOL, C.FUSE_IO_URING_CMD_ADD_BUFPOOL + 1, C.FUSE_IO_URING_CMD_REGISTER];

function withConn<T>(p: NativeProbe, env: ConnEnv, f: (c: KernelConn) => T, keepParam: boolean): T {
  const c = new KernelConn(p, { ...baseConfig('R0', cpus()), enable_uring: true }, env, keepParam);
  try { c.open(); return f(c); } finally { c.close(); }
}

const resultOf = (c: KernelConn, tag: string, sqe: UringCmdSpec): string => {
  const e = c.run({ kind: 'uring_cmd', tag, sqe }).find((x) => x.kind === 'cqe' && x.tag === tag);
  return e && e.kind === 'cqe' ? errnoName(e.res) : 'held';
};

export function fingerprint(p: NativeProbe, env: ConnEnv, keepParam = false): Fingerprint {
  const before = readParam();
  const offer = withConn(p, env, (c) => c.offer, keepParam);
  const cmd_ops = withConn(p, env, (c) => {
    const out: Record<string, string> = {};
    for (const op of PROBED_CMD_OPS) out[String(op)] = resultOf(c, `op${op}`, { ...reg(0, 1 << 17), cmd_op: op });
    return out;
  }, keepParam);
  // A failed REGISTER does not stop later ones while enable_uring is Y, so one connection can bisect the boundary.
  const enforced = withConn(p, env, (c) => {
    let lo = 1, hi = 1 << 24;
    if (resultOf(c, 'hi', reg(0, hi)) !== 'held') return null;
    for (let i = 0; lo < hi; i++) {
      const mid = Math.floor((lo + hi) / 2);
      if (resultOf(c, `b${i}`, reg(0, mid)) === 'held') hi = mid; else lo = mid + 1;
    }
    return lo;
  }, keepParam);
  const d = detectRevision(p, env, keepParam);
  const names = offer ? Object.entries(FUSE_INIT_FLAG).filter(([, bit]) => (offer.flags & bit) !== 0n).map(([n]) => n) : [];
  return {
    release: release(), fuse_minor: offer?.minor ?? null, init_flags_offered: offer ? `0x${offer.flags.toString(16)}` : 'none',
    init_flags_offered_names: names, enable_uring: before, io_uring_disabled: read('/proc/sys/kernel/io_uring_disabled'),
    possible_cpus: cpus(), cmd_ops, enforced_max_payload_sz: enforced, revision: d.revision, evidence: d.evidence,
  };
}
