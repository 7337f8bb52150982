// R8 (mainline 7.3 buffer pools): ADD_QUEUE, ADD_BUFPOOL, REGISTER, COMMIT_AND_FETCH in check order.
import { negErrno } from '../errno.js';
import { commitRowsRingAtInit, headersShort, iovFault, payloadShort, qidRange, ringFromInit, ringPayload, sqeLen } from './r0.js';
import { withConfig, withIov, withProbe } from './scenario.js';
import { src, type Check, type RuleTable } from './types.js';
import type { Probe } from '../conn/probe.js';
import { FUSE_URING_ZERO_COPY$R8 } from '../uapi/fuse_uring.js';

const E = negErrno;
const M73 = 'fs/fuse/dev_uring.c (v7.3-rc1, b45aaabc628b/96caf2496e15/43f8343858eb)';

const RING_AT_INIT = '7.3 creates the ring at INIT and sets io_uring only if that succeeded; without it common.io_uring.not_negotiated fails first';
const ringMissing = (id: string, errno: number, ref: string): Check => ({
  kind: 'check', id, errno, source: src(`${M73}:${ref}`),
  when: (p) => p.st.ring === null,
  unreachable: ringFromInit(RING_AT_INIT),
});

/** The lowest bit outside `mask`: a flag no check of it knows. */
const bitOutside = (mask: bigint): bigint => { let b = 1n; while ((mask & b) !== 0n) b <<= 1n; return b; };

/** ADD_QUEUE; `known` is FUSE_URING_ADD_QUEUE_FLAGS, the flags it accepts (7.3: ZERO_COPY alone). */
export function addQueueR8(known: bigint = FUSE_URING_ZERO_COPY$R8): RuleTable {
  return {
    id: 'add_queue', title: 'FUSE_IO_URING_CMD_ADD_QUEUE (7.3)',
    rows: [
      ringMissing('add_queue.ring.missing', E('EINVAL'), 'fuse_uring_add_queue'),
      qidRange(`${M73}:fuse_uring_add_queue`, 'add_queue.qid.out_of_range'),
      {
        kind: 'check', id: 'add_queue.flags.unknown', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_queue (FUSE_URING_ADD_QUEUE_FLAGS)`),
        when: (p) => ((p.cmd.flags ?? 0n) & ~known) !== 0n,
        violate: (s) => withProbe(s, { flags: (s.probe.flags ?? 0n) | bitOutside(known) }),
      },
      {
        kind: 'check', id: 'add_queue.zero_copy.without_cap', errno: E('EPERM'), source: src(`${M73}:fuse_uring_add_queue (capable(CAP_SYS_ADMIN))`),
        when: (p) => ((p.cmd.flags ?? 0n) & FUSE_URING_ZERO_COPY$R8) !== 0n && !p.st.cfg.caps.CAP_SYS_ADMIN,
        violate: (s) => withConfig(withProbe(s, { flags: (s.probe.flags ?? 0n) | FUSE_URING_ZERO_COPY$R8 }), { caps: { ...s.config.caps, CAP_SYS_ADMIN: false } }),
      },
      {
        kind: 'check', id: 'add_queue.queue.exists', errno: E('EEXIST'), source: src(`${M73}:fuse_uring_add_queue`),
        when: (p) => p.queue !== undefined,
        violate: (s) => ({ ...s, prior: [...s.prior, { kind: 'uring_cmd', tag: 'add_queue.first', sqe: { cmd_op: 3, qid: s.probe.qid } }] }),
      },
      { kind: 'effect', id: 'add_queue.queue.create', effect: 'create_queue', source: src(`${M73}:fuse_uring_create_queue`) },
    ],
  };
}

const pool = (p: Probe) => p.cmd.bufpool ?? { addr: 'valid' as const, len: 0, reserved: 0 };

export function addBufpoolR8(): RuleTable {
  return {
    id: 'add_bufpool', title: 'FUSE_IO_URING_CMD_ADD_BUFPOOL (7.3)',
    rows: [
      ringMissing('add_bufpool.ring.missing', E('EINVAL'), 'fuse_uring_add_bufpool'),
      qidRange(`${M73}:fuse_uring_add_bufpool`, 'add_bufpool.qid.out_of_range'),
      {
        kind: 'check', id: 'add_bufpool.flags.nonzero', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_bufpool`),
        when: (p) => (p.cmd.flags ?? 0n) !== 0n,
        violate: (s) => withProbe(s, { flags: 1n }),
      },
      {
        kind: 'check', id: 'add_bufpool.reserved.nonzero', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_bufpool`),
        when: (p) => pool(p).reserved !== 0,
        violate: (s) => withProbe(s, { bufpool: { ...(s.probe.bufpool ?? { addr: 'valid', len: 0 }), reserved: 1 } }),
      },
      {
        kind: 'check', id: 'add_bufpool.queue.missing', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_bufpool (ADD_QUEUE first)`),
        when: (p) => p.queue === undefined,
        violate: (s) => ({ ...s, prior: s.prior.filter((c) => !(c.kind === 'uring_cmd' && c.sqe.cmd_op === 3 && c.sqe.qid === s.probe.qid)) }),
      },
      {
        kind: 'check', id: 'add_bufpool.nr_bufs.zero', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_bufpool (len / max_payload_sz)`),
        when: (p) => Math.floor(pool(p).len / Math.max(1, ringPayload(p))) === 0,
        violate: (s) => withProbe(s, { bufpool: { ...(s.probe.bufpool ?? { addr: 'valid', reserved: 0 }), len: 4096 } }),
      },
      {
        kind: 'check', id: 'add_bufpool.payload_mode.set', errno: E('EINVAL'), source: src(`${M73}:fuse_uring_add_bufpool`),
        when: (p) => (p.queue?.mode.payload ?? null) !== null,
        violate: (s) => ({ ...s, prior: [...s.prior, { kind: 'uring_cmd', tag: 'add_bufpool.first', sqe: { ...s.probe, flags: 0n, bufpool: { addr: 'valid', len: 1 << 24, reserved: 0 } } }] }),
      },
    ],
  };
}

const isPool = (p: Probe) => p.queue?.mode.payload === 'pool';
const isZc = (p: Probe) => p.queue?.mode.zero_copy ?? false;

export function registerR8(): RuleTable {
  const REG = `${M73}:fuse_uring_register`;
  // 7.3's fuse_uring_register() checks the ring and qid and creates the queue; the entry's checks are fuse_uring_create_ring_ent()'s.
  const ENT = `${M73}:fuse_uring_create_ring_ent`;
  const IOV = `${ENT} → fuse_uring_get_iovec_from_sqe`;
  return {
    id: 'register', title: 'FUSE_IO_URING_CMD_REGISTER (7.3)',
    rows: [
      ringMissing('register.ring.missing', E('EINVAL'), 'fuse_uring_register'),
      qidRange(REG, 'register.qid.out_of_range'),
      { kind: 'effect', id: 'register.queue.create', effect: 'create_queue', source: src(`${REG} (missing queue → non-zero-copy)`) },
      sqeLen(IOV),
      iovFault(IOV),
      {
        kind: 'check', id: 'register.zero_copy_index.without_zero_copy', errno: E('EINVAL'), source: src(ENT),
        when: (p) => (p.cmd.ent_zero_copy_buf_index ?? 0) !== 0 && !isZc(p),
        violate: (s) => withProbe(s, { ent_zero_copy_buf_index: 7 }),
      },
      headersShort(ENT),
      {
        kind: 'check', id: 'register.pool.payload_iov.nonzero', errno: E('EINVAL'), source: src(`${ENT} (pool queue)`),
        when: (p) => isPool(p) && ((p.cmd.iov?.[1]?.len ?? 0) !== 0 || (p.cmd.iov?.[1]?.addr ?? 'null') !== 'null'),
        violate: (s) => withIov(s, 1, { len: 4096, addr: 'valid' }),
      },
      {
        kind: 'check', id: 'register.pool.fixed.mismatch', errno: E('EINVAL'), source: src(`${ENT} (registered pool: fuse_uring_cmd_index_ok)`),
        when: (p) => isPool(p) && p.queue!.mode.registered_index !== null && (!p.cmd.fixed || (p.cmd.buf_index ?? 0) !== p.queue!.mode.registered_index),
        violate: (s) => withProbe(s, { fixed: false }),
      },
      payloadShort(`${ENT} (per-entry payload)`, (p) => !isPool(p)),
      {
        kind: 'check', id: 'register.zero_copy.without_pool', errno: E('EINVAL'), source: src(`${ENT} (zero-copy needs a pool)`),
        when: (p) => !isPool(p) && isZc(p),
        violate: (s) => ({ ...s, prior: [{ kind: 'uring_cmd', tag: 'add_queue.zc', sqe: { cmd_op: 3, qid: s.probe.qid, flags: FUSE_URING_ZERO_COPY$R8 } }, ...s.prior] }),
      },
    ],
  };
}

export function commitR8(): RuleTable {
  const CF = `${M73}:fuse_uring_commit_fetch`;
  // 7.3's ring always exists past the common checks: keep the row, but as unreachable.
  const rows = commitRowsRingAtInit(CF, RING_AT_INIT);
  const fixed: Check = {
    kind: 'check', id: 'commit_and_fetch.pool.fixed.mismatch', errno: E('EINVAL'), source: src(`${CF} (registered pool)`),
    when: (p) => isPool(p) && p.queue!.mode.registered_index !== null && (!p.cmd.fixed || (p.cmd.buf_index ?? 0) !== p.queue!.mode.registered_index),
    violate: (s) => withProbe(s, { fixed: false }),
  };
  const at = rows.findIndex((r) => r.id === 'commit_and_fetch.commit_id.unknown');
  return { id: 'commit_and_fetch', title: 'FUSE_IO_URING_CMD_COMMIT_AND_FETCH (7.3)', rows: [...rows.slice(0, at), fixed, ...rows.slice(at)] };
}
