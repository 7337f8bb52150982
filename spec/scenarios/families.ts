// Valid baseline scenarios, one per (revision, command shape), and the rule rows each can break.
import type { Command, ConnConfig, UringCmdSpec } from '../conn/commands.js';
import { maxPayloadSz } from '../rules/payload.js';
import { FUSE_URING_BUF_RING$R4, fuse_uring_req_header } from '../uapi/fuse_uring.js';
import { encodeR7Flags } from '../rules/r7.js';
import { URING_INIT_FLAGS } from '../rules/scenario.js';
import type { Scenario } from '../rules/types.js';
import { revision, type Revision, type TableId } from '../revisions.js';
import type { AssumptionValues, RevisionId } from '../types.js';

const HEADER = fuse_uring_req_header.size;

export interface Family {
  /** e.g. "R7 register.first_bufring". */
  readonly name: string;
  readonly table: TableId;
  readonly observe: 'cqe' | 'client';
  readonly baseline: Scenario;
  /** What the valid baseline must give: held (REGISTER/COMMIT), a CQE of 0 (ADD_*), or a client result of 0. */
  readonly valid: 'held' | 'zero';
  /** Rule ids (common ones included) this family can break; others do not apply to its shape. */
  readonly rows: readonly string[];
}

export function baseConfig(rev: RevisionId, nr_cpus: number): ConnConfig {
  return {
    revision: rev, sqe128: true, enable_uring: true, mount: true,
    init: { flags: URING_INIT_FLAGS, max_write: 131072, max_pages: 32 },
    caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true }, memlock_limit: 64 << 20, nr_cpus,
    // R4: the server's kernel-managed ring at bgid 0 holds 4 buffers (its choice) and fixed buffer 0 holds the headers.
    ...(rev === 'R4' ? { ring_setup: { kmbuf_bgid0: true, kmbuf_nbufs: 4, fixed_buffers: 1 } } : {}),
  };
}

/** A well-formed R0-shaped REGISTER: two iovecs, a 288-byte header and a `payload`-byte payload. */
export const registerSqe = (qid: number, payload: number, extra: Partial<UringCmdSpec> = {}): UringCmdSpec => ({
  cmd_op: 1, qid, sqe_len: 2, iov_array: 'valid',
  iov: [{ len: HEADER, addr: 'valid', aligned: true }, { len: payload, addr: 'valid', aligned: true }], ...extra,
});

const reg = registerSqe;
const registerAll = (nr: number, payload: number, extra: Partial<UringCmdSpec> = {}): Command[] =>
  Array.from({ length: nr }, (_, q) => ({ kind: 'uring_cmd' as const, tag: `reg.${q}`, sqe: reg(q, payload, extra) }));

const COMMON_R0 = ['common.sqe128.missing', 'common.fuse_dev.sync_init_pending', 'common.fuse_dev.missing', 'common.enable_uring.off', 'common.conn.aborted',
  'common.conn.disconnected', 'common.conn.not_initialized', 'common.cmd_op.unknown'];
const COMMON_R8 = [...COMMON_R0, 'common.io_uring.not_negotiated'];
const R0_REGISTER = ['register.qid.out_of_range', 'register.sqe_len.not_iov_segs', 'register.iovec.fault', 'register.headers.too_short', 'register.payload.too_short'];
const COMMIT = ['commit_and_fetch.ring.missing', 'commit_and_fetch.qid.out_of_range', 'commit_and_fetch.queue.missing', 'commit_and_fetch.commit_id.unknown'];
const REPLY = ['reply.header.fault', 'reply.unique.zero', 'reply.error.out_of_range', 'reply.error.set', 'reply.unique.mismatch', 'reply.ent.fault',
  'reply.payload_sz.too_large', 'reply.payload_sz.too_short', 'reply.payload.fault'];
const DELIVER = ['deliver.header.fault', 'deliver.payload.fault'];

export function families(rev: RevisionId, nr_cpus: number, overrides: AssumptionValues = {}): Family[] {
  const r: Revision = revision(rev, overrides);
  const config = baseConfig(rev, nr_cpus);
  const max = maxPayloadSz(config.init!, r.a);
  const common = rev === 'R8' ? COMMON_R8 : COMMON_R0;
  const fam = (name: string, table: TableId, observe: Family['observe'], valid: Family['valid'], baseline: Omit<Scenario, 'config'> & { config?: ConnConfig }, rows: string[]): Family =>
    ({ name: `${rev} ${name}`, table, observe, valid, baseline: { config, ...baseline }, rows: observe === 'client' ? rows : [...common, ...rows] });
  const commitFam = (prefix: Command[], extra: Partial<UringCmdSpec> = {}) => {
    const prior: Command[] = [...prefix, ...registerAll(nr_cpus, max, extra), { kind: 'client', tag: 'client.0', op: 'stat', cpu: 0 }];
    const probe: UringCmdSpec = { cmd_op: 2, qid: 0, commit_id: 'current', reply: { unique: 'match', error: 0, payload_sz: 'exact' } };
    // 7.3 creates the ring at INIT, so a missing ring cannot be arranged past the common checks.
    const rows = rev === 'R8' ? COMMIT.filter((x) => x !== 'commit_and_fetch.ring.missing') : COMMIT;
    // A LOOKUP (it has a payload: the name) from client 0 lands in the newest entry of queue 0.
    const open = { kind: 'client' as const, tag: 'probe', op: 'open' as const, file: 'small', cpu: 0, client: 0 };
    return [
      fam('commit_and_fetch', 'commit_and_fetch', 'cqe', 'held', { prior, probe }, rows),
      fam('reply', 'reply', 'client', 'zero', { prior, probe }, REPLY),
      fam('deliver', 'deliver', 'client', 'held', { prior: prior.filter((c) => c.kind !== 'client'), probe, probeClient: open }, DELIVER),
    ];
  };
  const out: Family[] = [];
  if (rev === 'R0') {
    out.push(fam('register', 'register', 'cqe', 'held', { prior: [], probe: reg(0, max) }, R0_REGISTER), ...commitFam([]));
  }
  if (rev === 'R4') {
    const br = { init_flags$R4: FUSE_URING_BUF_RING$R4, queue_depth: 4, buf_index: 0, sqe_len: 0, iov: [] };
    out.push(
      fam('register.plain', 'register', 'cqe', 'held', { prior: [], probe: reg(0, max) }, R0_REGISTER),
      fam('register.first_bufring', 'register', 'cqe', 'held', { prior: [], probe: { cmd_op: 1, qid: 0, ...br } },
        ['register.qid.out_of_range', 'register.flags.zero_copy_without_bufring', 'register.bufring.not_kmbuf', 'register.flags.zero_copy_without_cap', 'register.bufring.queue_depth.zero']),
      fam('register.later_bufring', 'register', 'cqe', 'held',
        { prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: { cmd_op: 1, qid: 0, ...br } }], probe: { cmd_op: 1, qid: 0, ...br, buf_index: 1 } },
        ['register.qid.out_of_range', 'register.flags.mismatch']),
      ...commitFam([]),
    );
  }
  if (rev === 'R7') {
    const flags = encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: false }, r.a);
    const br: UringCmdSpec = {
      cmd_op: 1, qid: 0, flags, queue_depth: 4, buf_size: max, buf_index: 0, sqe_len: 2, iov_array: 'valid',
      iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: true }],
    };
    out.push(
      fam('register.plain', 'register', 'cqe', 'held', { prior: [], probe: reg(0, max) }, [...R0_REGISTER, 'register.flags.unknown']),
      fam('register.first_bufring', 'register', 'cqe', 'held', { prior: [], probe: br }, [
        'register.qid.out_of_range', 'register.flags.unknown', 'register.flags.pinned_without_bufring', 'register.flags.zero_copy_incomplete',
        'register.flags.zero_copy_without_cap', 'register.sqe_len.not_iov_segs', 'register.iovec.fault', 'register.bufring.queue_depth.zero',
        'register.bufring.buf_size.zero', 'register.bufring.headers.too_small', 'register.bufring.buf_size.too_small', 'register.bufring.nr_bufs.zero',
        'register.pinned.unaligned', 'register.pinned.memlock', 'register.bufring.buf_index.out_of_range']),
      fam('register.later_bufring', 'register', 'cqe', 'held',
        { prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: br }], probe: { ...br, buf_index: 1 } },
        ['register.qid.out_of_range', 'register.flags.unknown', 'register.flags.inconsistent', 'register.bufring.buf_index.out_of_range',
          'register.bufring.buf_index.duplicate']),
      ...commitFam([]),
    );
  }
  if (rev === 'R8') {
    const addQ = (qid: number, flags = 0n): Command => ({ kind: 'uring_cmd', tag: `addq.${qid}`, sqe: { cmd_op: 3, qid, flags } });
    const pool = { addr: 'valid' as const, len: 2 * max, reserved: 0 };
    const addP = (qid: number, extra: Partial<UringCmdSpec> = {}): Command => ({ kind: 'uring_cmd', tag: `addp.${qid}`, sqe: { cmd_op: 4, qid, bufpool: pool, ...extra } });
    const poolReg: UringCmdSpec = { ...reg(0, 0), iov: [{ len: HEADER, addr: 'valid', aligned: true }, { len: 0, addr: 'null', aligned: true }] };
    out.push(
      fam('add_queue', 'add_queue', 'cqe', 'zero', { prior: [], probe: { cmd_op: 3, qid: 0, flags: 0n } },
        ['add_queue.qid.out_of_range', 'add_queue.flags.unknown', 'add_queue.zero_copy.without_cap', 'add_queue.queue.exists']),
      fam('add_bufpool', 'add_bufpool', 'cqe', 'zero', { prior: [addQ(0)], probe: { cmd_op: 4, qid: 0, bufpool: pool } },
        ['add_bufpool.qid.out_of_range', 'add_bufpool.flags.nonzero', 'add_bufpool.reserved.nonzero', 'add_bufpool.queue.missing', 'add_bufpool.nr_bufs.zero', 'add_bufpool.payload_mode.set']),
      fam('register.per_entry', 'register', 'cqe', 'held', { prior: [], probe: reg(0, max) },
        [...R0_REGISTER, 'register.zero_copy_index.without_zero_copy', 'register.zero_copy.without_pool']),
      fam('register.pool', 'register', 'cqe', 'held', { prior: [addQ(0), addP(0)], probe: poolReg }, ['register.pool.payload_iov.nonzero']),
      fam('register.registered_pool', 'register', 'cqe', 'held', { prior: [addQ(0), addP(0, { fixed: true, buf_index: 3 })], probe: { ...poolReg, fixed: true, buf_index: 3 } },
        ['register.pool.fixed.mismatch']),
      ...commitFam([]),
      fam('commit_and_fetch.registered_pool', 'commit_and_fetch', 'cqe', 'held', {
        prior: [
          ...Array.from({ length: nr_cpus }, (_, q) => [addQ(q), addP(q, { fixed: true, buf_index: 3 }),
            { kind: 'uring_cmd' as const, tag: `reg.${q}`, sqe: { ...poolReg, qid: q, fixed: true, buf_index: 3 } }]).flat(),
          { kind: 'client', tag: 'client.0', op: 'stat', cpu: 0 },
        ],
        probe: { cmd_op: 2, qid: 0, commit_id: 'current', fixed: true, buf_index: 3, reply: { unique: 'match', error: 0, payload_sz: 'exact' } },
      }, ['commit_and_fetch.qid.out_of_range', 'commit_and_fetch.pool.fixed.mismatch', 'commit_and_fetch.commit_id.unknown']),
    );
  }
  return out;
}
