// R0 (mainline 6.14–7.2): REGISTER and COMMIT_AND_FETCH rows in kernel check order.
import { negErrno } from '../errno.js';
import { maxPayloadSz } from './payload.js';
import { mapPrior, withIov, withProbe } from './scenario.js';
import { src, type Check, type Row, type RuleTable } from './types.js';
import type { Probe } from '../conn/probe.js';
import { FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../uapi/fuse_uring.js';

const E = negErrno;
const REG = 'fs/fuse/dev_uring.c:fuse_uring_register';
const IOV = 'fs/fuse/dev_uring.c:fuse_uring_get_iovec_from_sqe';
const ENT = 'fs/fuse/dev_uring.c:fuse_uring_create_ring_ent';
const CF = 'fs/fuse/dev_uring.c:fuse_uring_commit_fetch';
/** sizeof(struct fuse_uring_req_header): the same 288 bytes in every revision. */
export const REQ_HEADER_SIZE = fuse_uring_req_header.size;

export const ringPayload = (p: Probe): number => p.st.ring?.max_payload_sz ?? (p.st.cfg.init ? maxPayloadSz(p.st.cfg.init, p.st.a) : 0);

export const qidRange = (ref: string, id: string): Check => ({
  kind: 'check', id, errno: E('EINVAL'), source: src(ref),
  when: (p) => p.cmd.qid >= p.st.cfg.nr_cpus,
  violate: (s) => withProbe(s, { qid: s.config.nr_cpus }),
});

export const sqeLen = (ref: string): Check => ({
  kind: 'check', id: 'register.sqe_len.not_iov_segs', errno: E('EINVAL'), source: src(ref),
  when: (p) => (p.cmd.sqe_len ?? FUSE_URING_IOV_SEGS) !== FUSE_URING_IOV_SEGS,
  violate: (s) => withProbe(s, { sqe_len: 1 }),
});

// import_iovec: copying the array faults, or an iov_base is not a user address (access_ok).
export const iovFault = (ref: string): Check => ({
  kind: 'check', id: 'register.iovec.fault', errno: E('EFAULT'), source: src(`${ref}; lib/iov_iter.c:__import_iovec`),
  when: (p) => (p.cmd.iov_array ?? 'valid') !== 'valid' || (p.cmd.iov ?? []).some((v) => v.addr === 'kernel'),
  violate: (s) => withProbe(s, { iov_array: 'unmapped' }),
});

export const headersShort = (ref: string, applies: (p: Probe) => boolean = () => true): Check => ({
  kind: 'check', id: 'register.headers.too_short', errno: E('EINVAL'), source: src(ref),
  when: (p) => applies(p) && (p.cmd.iov?.[0]?.len ?? 0) < REQ_HEADER_SIZE,
  violate: (s) => withIov(s, 0, { len: REQ_HEADER_SIZE - 1 }),
});

export const payloadShort = (ref: string, applies: (p: Probe) => boolean = () => true): Check => ({
  kind: 'check', id: 'register.payload.too_short', errno: E('EINVAL'), source: src(ref),
  when: (p) => applies(p) && (p.cmd.iov?.[1]?.len ?? 0) < ringPayload(p),
  violate: (s) => withIov(s, 1, { len: Math.max(0, (s.probe.iov?.[1]?.len ?? 1) - 1) }),
});

export function registerR0(): RuleTable {
  const rows: Row[] = [
    { kind: 'effect', id: 'register.ring.create', effect: 'create_ring', source: src('fs/fuse/dev_uring.c:fuse_uring_create') },
    qidRange(REG, 'register.qid.out_of_range'),
    { kind: 'effect', id: 'register.queue.create', effect: 'create_queue', source: src('fs/fuse/dev_uring.c:fuse_uring_create_queue') },
    sqeLen(IOV),
    iovFault(IOV),
    headersShort(ENT),
    payloadShort(ENT),
  ];
  return { id: 'register', title: 'FUSE_IO_URING_CMD_REGISTER (6.14–7.2)', rows };
}

/** Drops every prior REGISTER except those on qid 0, so other queues stay missing. */
const onlyQueue0 = (s: Parameters<typeof mapPrior>[0]) =>
  mapPrior(s, (c) => (c.kind === 'uring_cmd' && c.sqe.cmd_op === 1 && c.sqe.qid !== 0) || c.kind === 'client' ? null : c);

export const commitRows = (ref: string): Check[] => [
  {
    kind: 'check', id: 'commit_and_fetch.ring.missing', errno: E('ENOTCONN'), source: src(ref),
    when: (p) => p.st.ring === null,
    violate: (s) => mapPrior(s, (c) => (c.kind === 'uring_cmd' || c.kind === 'client' ? null : c)),
  },
  qidRange(ref, 'commit_and_fetch.qid.out_of_range'),
  {
    kind: 'check', id: 'commit_and_fetch.queue.missing', errno: E('ENOTCONN'), source: src(ref),
    when: (p) => p.queue === undefined,
    violate: (s) => (s.config.nr_cpus < 2 ? s : withProbe(onlyQueue0(s), { qid: 1 })),
  },
  // Set by fuse_uring_stop_queues() at teardown, which also clears fc->connected: unreachable past the common checks.
  {
    kind: 'check', id: 'commit_and_fetch.queue.stopped', errno: E('ENOTCONN'), source: src(ref),
    when: (p) => !p.st.connected || (p.queue?.stopped ?? false),
    unreachable: {
      reason: 'queue->stopped is set with fc->connected cleared, which the common checks reject first',
      force: (p) => ({ ...p, queue: p.queue && { ...p.queue, stopped: true } }),
    },
  },
  {
    kind: 'check', id: 'commit_and_fetch.commit_id.unknown', errno: E('ENOENT'), source: src(`${ref}; fuse_request_find`),
    when: (p) => !(p.queue?.entries.some((e) => e.unique !== null && e.unique === resolvedCommitId(p)) ?? false),
    violate: (s) => withProbe(s, { commit_id: 'unknown' }),
  },
  // Since "make a fuse_req on SQE commit only findable after memcpy" an entry is findable only in USERSPACE.
  {
    kind: 'check', id: 'commit_and_fetch.entry.not_userspace', errno: E('EIO'), source: src(`${ref}; FIX-findable 1efd3d474fc0`),
    when: (p) => p.queue?.entries.find((e) => e.unique === resolvedCommitId(p))?.state !== 'FRRS_USERSPACE',
    unreachable: {
      reason: 'since the findable-after-memcpy fix an entry is in the processing hash only while in FRRS_USERSPACE',
      force: (p) => {
        const id = resolvedCommitId(p);
        const entries = (p.queue?.entries ?? []).map((e) => (e.unique === id ? { ...e, state: 'FRRS_COMMIT' as const } : e));
        return { ...p, cmd: { ...p.cmd, commit_id: id }, queue: p.queue && { ...p.queue, entries } };
      },
    },
  },
];

/** The commit id a probe names, with 'current'/'unknown' resolved against the queue. */
export function resolvedCommitId(p: Probe): bigint {
  const c = p.cmd.commit_id ?? 0n;
  if (typeof c === 'bigint') return c;
  // The server names what it last saw on the queue, whatever the kernel did with it since (an abort ends it).
  const current = p.queue?.lastDelivered ?? 0n;
  return c === 'current' ? current : current + (1n << 40n);
}

export function commitR0(): RuleTable {
  return { id: 'commit_and_fetch', title: 'FUSE_IO_URING_CMD_COMMIT_AND_FETCH (6.14–7.2)', rows: commitRows(CF) };
}

/** A ring made at INIT is never missing past the common checks: the row stays, as unreachable, forced by dropping the ring. */
export const ringFromInit = (reason: string): NonNullable<Check['unreachable']> => ({ reason, force: (p: Probe) => ({ ...p, st: { ...p.st, ring: null }, queue: undefined }) });

/** commitRows with commit_and_fetch.ring.missing unreachable for that reason (7.3, and 7.2's fuse_chan rework). */
export function commitRowsRingAtInit(ref: string, reason: string): Row[] {
  return commitRows(ref).map((r): Row => {
    if (r.kind !== 'check' || r.id !== 'commit_and_fetch.ring.missing') return r;
    const { violate: _unused, ...rest } = r;
    return { ...rest, unreachable: ringFromInit(reason) };
  });
}

/** R0 on a kernel with 7.2's fuse_chan rework (kernel.fuse_chan 1): the ring exists from INIT, so no COMMIT meets it missing. */
export function commitR72(): RuleTable {
  const rows = commitRowsRingAtInit(`${CF} (v7.2)`,
    '7.2 creates the ring at INIT (fuse_uring_conn_init) and sets io_uring only if that succeeded; without it common.io_uring.not_negotiated fails first');
  return { id: 'commit_and_fetch', title: 'FUSE_IO_URING_CMD_COMMIT_AND_FETCH (7.2)', rows };
}
