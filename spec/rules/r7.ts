// R7 (April 2026 v2): REGISTER with BUFRING / PINNED_HEADERS / PINNED_BUFFERS / ZERO_COPY.
import { negErrno } from '../errno.js';
import type { AssumptionValues } from '../types.js';
import type { QueueMode } from '../conn/state.js';
import { REQ_HEADER_SIZE, headersShort, iovFault, payloadShort, qidRange, ringPayload, sqeLen } from './r0.js';
import { withConfig, withIov, withProbe } from './scenario.js';
import type { Command } from '../conn/commands.js';
import { src, type Check, type Row, type RuleTable, type Scenario } from './types.js';
import type { Probe } from '../conn/probe.js';

const E = negErrno;
const SEED = 'April-2026 v2 13/14 (20260402162840.2989717-14): fs/fuse/dev_uring.c';
const SETUP = `${SEED}:fuse_uring_bufring_setup`;
const CONS = `${SEED}:queue_init_flags_consistent`;
const DOC = 'April-2026 Documentation/filesystems/fuse/fuse-io-uring.rst (linux-fsdevel/vfs@509de8bca1e5)';
const AH = 'April-2026 fs/fuse/dev_uring_i.h (struct fuse_ring_ent, before 13/14)';
/** Functions 13/14 does not touch, as the base tree (mainline 6.14-7.2) has them. */
const BASE = 'mainline 6.14 fs/fuse/dev_uring.c';

export interface R7Flags { bufring: boolean; pinned_headers: boolean; pinned_buffers: boolean; zero_copy: boolean }

export function r7FlagBits(a: AssumptionValues) {
  return {
    BUFRING: a['r7.flag.FUSE_URING_BUFRING']!, PINNED_HEADERS: a['r7.flag.FUSE_URING_PINNED_HEADERS']!,
    PINNED_BUFFERS: a['r7.flag.FUSE_URING_PINNED_BUFFERS']!, ZERO_COPY: a['r7.flag.FUSE_URING_ZERO_COPY']!,
  };
}

export function decodeR7Flags(flags: bigint, a: AssumptionValues): R7Flags {
  const b = r7FlagBits(a);
  return {
    bufring: (flags & b.BUFRING) !== 0n, pinned_headers: (flags & b.PINNED_HEADERS) !== 0n,
    pinned_buffers: (flags & b.PINNED_BUFFERS) !== 0n, zero_copy: (flags & b.ZERO_COPY) !== 0n,
  };
}

export function encodeR7Flags(f: R7Flags, a: AssumptionValues): bigint {
  const b = r7FlagBits(a);
  return (f.bufring ? b.BUFRING : 0n) | (f.pinned_headers ? b.PINNED_HEADERS : 0n) |
    (f.pinned_buffers ? b.PINNED_BUFFERS : 0n) | (f.zero_copy ? b.ZERO_COPY : 0n);
}

/** Validity of one flag set: ZERO_COPY needs BUFRING + both PINNED; PINNED_* need BUFRING. */
export function r7FlagsValid(f: R7Flags): boolean {
  if ((f.pinned_headers || f.pinned_buffers) && !f.bufring) return false;
  if (f.zero_copy && !(f.bufring && f.pinned_headers && f.pinned_buffers)) return false;
  return true;
}

/** queue_init_flags_consistent(): same BUFRING; with BUFRING also the same PINNED_* and ZERO_COPY. */
export function queueInitFlagsConsistent(q: Pick<QueueMode, 'bufring' | 'pinned_headers' | 'pinned_buffers' | 'zero_copy'>, f: R7Flags): boolean {
  if (q.bufring !== f.bufring) return false;
  if (!f.bufring) return true;
  return q.pinned_headers === f.pinned_headers && q.pinned_buffers === f.pinned_buffers && q.zero_copy === f.zero_copy;
}

const flagsOf = (p: Probe): R7Flags => decodeR7Flags(p.cmd.flags ?? 0n, p.st.a);
const knownMask = (a: AssumptionValues): bigint => Object.values(r7FlagBits(a)).reduce((x, y) => x | y, 0n);
const errnoOf = (p: Probe | undefined, id: string, a?: AssumptionValues): number => Number((p?.st.a ?? a)![id]);
const firstBufring = (p: Probe): boolean => p.firstOnQueue && flagsOf(p).bufring;
// A queue created by this REGISTER takes its mode from this command's flags.
const queueBufring = (p: Probe): boolean => (p.firstOnQueue || !p.queue ? flagsOf(p).bufring : p.queue.mode.bufring);
const queueDepth = (p: Probe): number => (p.firstOnQueue || !p.queue ? p.cmd.queue_depth ?? 0 : p.queue.mode.queue_depth);
/** The buf_index of the last REGISTER before the probe on the probe's queue. */
const earlierBufIndex = (s: Scenario): number =>
  s.prior.filter((c): c is Extract<Command, { kind: 'uring_cmd' }> => c.kind === 'uring_cmd' && c.sqe.cmd_op === 1 && c.sqe.qid === s.probe.qid).at(-1)?.sqe.buf_index ?? 0;
const page = (p: Probe): number => Number(p.st.a['kernel.page_size']);
/** Bytes charged to RLIMIT_MEMLOCK for the pinned headers, or headers and buffers, of this REGISTER (r7.memlock.accounting). */
const pinnedBytes = (p: Probe, upTo: 'headers' | 'buffers' = 'buffers'): number => {
  const f = flagsOf(p);
  const iov = p.cmd.iov ?? [];
  const round = (n: number) => Math.ceil(n / page(p)) * page(p);
  return (f.pinned_headers ? round(iov[0]?.len ?? 0) : 0) + (f.pinned_buffers && upTo === 'buffers' ? round(iov[1]?.len ?? 0) : 0);
};
const overMemlock = (p: Probe, bytes: number): boolean => !p.st.cfg.caps.CAP_IPC_LOCK && p.st.memlock_used + bytes > p.st.cfg.memlock_limit;

type CheckBody = Omit<Check, 'kind' | 'id' | 'errno' | 'source'>;

/** A check the seed requires whose errno no source gives: the errno is the assumption's value (tables are built per override). */
function assumed(id: string, errnoId: string, a: AssumptionValues, ref: string, rest: CheckBody): Check {
  return { kind: 'check', id, errno: errnoOf(undefined, errnoId, a), source: src(ref, errnoId), ...rest };
}

/** A check no source shows: it exists iff its r7.check.* assumption is non-zero, and answers that errno (override to 0 to drop it). */
function ifExists(id: string, checkId: string, a: AssumptionValues, ref: string, rest: CheckBody): Check[] {
  return errnoOf(undefined, checkId, a) === 0 ? [] : [assumed(id, checkId, a, ref, rest)];
}

/** A shared row as the base tree has it: 13/14 does not touch its function. */
const fromBase = <R extends Row>(r: R): R => ({ ...r, source: src(r.source.ref, 'r7.base.pre_7_2') });

export function registerR7(a: AssumptionValues): RuleTable {
  const bits = r7FlagBits(a);
  const capOnEveryRegister = a['r7.zero_copy_cap.every_register'] !== 0n;
  const laterIovecs = a['r7.later_register.iovecs'] !== 0n;
  const keepQueue = a['r7.queue.kept_after_failed_setup'] !== 0n;
  // The iovecs are imported by a plain queue's entries and by the first BUFRING REGISTER (bufring setup); later BUFRING
  // REGISTERs carry them only under r7.later_register.iovecs.
  const importsIovecs = (p: Probe) => !queueBufring(p) || p.firstOnQueue || laterIovecs;
  const IMPORT = `${SETUP} (struct iovec iov[FUSE_URING_IOV_SEGS]: first BUFRING REGISTER); ${BASE}:fuse_uring_create_ring_ent (plain queue)`;
  const rows: Row[] = [
    // 13/14 has no hunk in fuse_uring_register: the qid check is the base tree's.
    fromBase(qidRange(`${BASE}:fuse_uring_register`, 'register.qid.out_of_range')),
    ...ifExists('register.flags.unknown', 'r7.check.unknown_flags', a, `${SEED} (the quoted hunks validate no flag bits)`, {
      when: (p) => ((p.cmd.flags ?? 0n) & ~knownMask(p.st.a)) !== 0n,
      violate: (s) => withProbe(s, { flags: (s.probe.flags ?? 0n) | (1n << 40n) }),
    }),
    ...ifExists('register.flags.pinned_without_bufring', 'r7.check.pinned_without_bufring', a, `${DOC} (pinning is described for buffer rings only)`, {
      when: (p) => { const f = flagsOf(p); return (f.pinned_headers || f.pinned_buffers) && !f.bufring; },
      violate: (s) => withProbe(s, { flags: ((s.probe.flags ?? 0n) | bits.PINNED_HEADERS) & ~bits.BUFRING & ~bits.ZERO_COPY }),
    }),
    assumed('register.flags.zero_copy_incomplete', 'r7.errno.zero_copy_incomplete', a, `${SEED} commit message ("requires CAP_SYS_ADMIN and buffer rings with pinned headers and buffers")`, {
      when: (p) => { const f = flagsOf(p); return f.zero_copy && !(f.bufring && f.pinned_headers && f.pinned_buffers); },
      violate: (s) => withProbe(s, { flags: ((s.probe.flags ?? 0n) | bits.ZERO_COPY | bits.BUFRING) & ~bits.PINNED_BUFFERS }),
      excludes: ['register.flags.pinned_without_bufring'],
    }),
    // Checked where the queue is created unless r7.zero_copy_cap.every_register says every REGISTER.
    assumed('register.flags.zero_copy_without_cap', 'r7.errno.zero_copy_without_cap', a, `${SEED} commit message (CAP_SYS_ADMIN); r7.zero_copy_cap.every_register`, {
      when: (p) => (p.firstOnQueue || capOnEveryRegister) && flagsOf(p).zero_copy && !p.st.cfg.caps.CAP_SYS_ADMIN,
      violate: (s) => withConfig(withProbe(s, { flags: bits.BUFRING | bits.PINNED_HEADERS | bits.PINNED_BUFFERS | bits.ZERO_COPY }),
        { caps: { ...s.config.caps, CAP_SYS_ADMIN: false } }),
    }),
    assumed('register.flags.inconsistent', 'r7.errno.flags_inconsistent', a, CONS, {
      when: (p) => !p.firstOnQueue && p.queue !== undefined && !queueInitFlagsConsistent(p.queue.mode, flagsOf(p)),
      violate: (s) => withProbe(s, { flags: (s.probe.flags ?? 0n) ^ bits.PINNED_BUFFERS }),
    }),
    // A plain queue is created before its entry's checks (base tree); a BUFRING queue only once its setup has succeeded.
    {
      kind: 'effect', id: 'register.queue.create', effect: 'create_queue', source: src(`${BASE}:fuse_uring_create_queue`, 'r7.queue.kept_after_failed_setup'),
      when: (p) => keepQueue || !firstBufring(p),
    },
    { ...sqeLen(IMPORT), source: src(IMPORT, 'r7.later_register.iovecs'), when: (p) => importsIovecs(p) && sqeLen(IMPORT).when(p) },
    { ...iovFault(IMPORT), source: src(IMPORT, 'r7.later_register.iovecs'), when: (p) => importsIovecs(p) && iovFault(IMPORT).when(p) },
    ...ifExists('register.bufring.queue_depth.zero', 'r7.check.queue_depth_zero', a, `${SETUP} (hidden lines 491-507; the visible check multiplies by it)`, {
      when: (p) => firstBufring(p) && (p.cmd.queue_depth ?? 0) === 0,
      violate: (s) => withProbe(s, { queue_depth: 0 }),
    }),
    // ZERO_COPY skips the buf_size check below, and the next line divides by buf_size: a guard must come first (spec audit M3).
    assumed('register.bufring.buf_size.zero', 'r7.errno.zero_copy_buf_size_zero', a, `${SETUP} (ZERO_COPY skips the buf_size check before nr_bufs = payload_size / buf_size)`, {
      when: (p) => firstBufring(p) && flagsOf(p).zero_copy && (p.cmd.buf_size ?? 0) === 0,
      violate: (s) => withProbe(s, { flags: (s.probe.flags ?? 0n) | bits.BUFRING | bits.PINNED_HEADERS | bits.PINNED_BUFFERS | bits.ZERO_COPY, buf_size: 0 }),
    }),
    {
      kind: 'check', id: 'register.bufring.headers.too_small', errno: E('EINVAL'), source: src(SETUP),
      when: (p) => firstBufring(p) && (p.cmd.iov?.[0]?.len ?? 0) < (p.cmd.queue_depth ?? 0) * REQ_HEADER_SIZE,
      violate: (s) => withIov(s, 0, { len: (s.probe.queue_depth ?? 1) * REQ_HEADER_SIZE - 1 }),
    },
    {
      kind: 'check', id: 'register.bufring.buf_size.too_small', errno: E('EINVAL'), source: src(SETUP),
      when: (p) => firstBufring(p) && !flagsOf(p).zero_copy && (p.cmd.buf_size ?? 0) < ringPayload(p),
      violate: (s) => withProbe(s, { buf_size: (s.probe.buf_size ?? 1) - 1 }),
    },
    ...ifExists('register.bufring.nr_bufs.zero', 'r7.check.nr_bufs_zero', a, `${SETUP} (nr_bufs = payload_size / buf_size; hidden lines 515-520)`, {
      when: (p) => firstBufring(p) && (p.cmd.buf_size ?? 0) > 0 && Math.floor((p.cmd.iov?.[1]?.len ?? 0) / p.cmd.buf_size!) === 0,
      violate: (s) => withIov(s, 1, { len: Math.max(0, (s.probe.buf_size ?? 1) - 1) }),
    }),
    assumed('register.pinned.unaligned', 'r7.errno.unaligned_pinned', a, `${DOC} (pinned buffers must be page-aligned); ${SETUP} (pins the headers, then the buffers)`, {
      // 13/14 pins the headers region first: unaligned buffers are seen only once the headers' pin has been charged.
      when: (p) => {
        if (!firstBufring(p)) return false;
        const f = flagsOf(p), iov = p.cmd.iov ?? [];
        if (f.pinned_headers && !(iov[0]?.aligned ?? true)) return true;
        return f.pinned_buffers && !(iov[1]?.aligned ?? true) && !overMemlock(p, pinnedBytes(p, 'headers'));
      },
      violate: (s) => withIov(withProbe(s, { flags: (s.probe.flags ?? 0n) | bits.BUFRING | bits.PINNED_HEADERS }), 0, { aligned: false }),
    }),
    assumed('register.pinned.memlock', 'r7.errno.memlock_exceeded', a, `${DOC} (charged to RLIMIT_MEMLOCK unless CAP_IPC_LOCK); ${SETUP} (pins the headers, then the buffers)`, {
      when: (p) => firstBufring(p) && overMemlock(p, pinnedBytes(p)),
      violate: (s) => withConfig(withProbe(s, { flags: (s.probe.flags ?? 0n) | bits.BUFRING | bits.PINNED_HEADERS }),
        { memlock_limit: 0, caps: { ...s.config.caps, CAP_IPC_LOCK: false } }),
    }),
    ...ifExists('register.bufring.buf_index.out_of_range', 'r7.check.buf_index_range', a, `${DOC} (fixed id sqe->buf_index → header slot)`, {
      when: (p) => queueBufring(p) && (p.cmd.buf_index ?? 0) >= queueDepth(p),
      violate: (s) => withProbe(s, { buf_index: s.probe.queue_depth ?? 0 }),
    }),
    ...ifExists('register.bufring.buf_index.duplicate', 'r7.check.buf_index_duplicate', a, `${AH} ("unique fixed id for the ent")`, {
      when: (p) => queueBufring(p) && (p.queue?.entries.some((e) => e.buf_index === (p.cmd.buf_index ?? 0)) ?? false),
      violate: (s) => withProbe(s, { buf_index: earlierBufIndex(s) }),
    }),
    // The BUFRING queue stays once its setup and the first entry's id passed (a no-op where the queue exists).
    { kind: 'effect', id: 'register.bufring.queue.keep', effect: 'create_queue', source: src(SETUP, 'r7.queue.kept_after_failed_setup') },
    fromBase(headersShort(`${BASE}:fuse_uring_create_ring_ent (non-bufring queue)`, (p) => !queueBufring(p))),
    fromBase(payloadShort(`${BASE}:fuse_uring_create_ring_ent (non-bufring queue)`, (p) => !queueBufring(p))),
  ];
  return {
    id: 'register', title: 'FUSE_IO_URING_CMD_REGISTER with init flags (April 2026 v2)',
    rows: [{ kind: 'effect', id: 'register.ring.create', effect: 'create_ring', source: src(`${BASE}:fuse_uring_create`, 'r7.base.pre_7_2') }, ...rows],
  };
}

/** can_zero_copy_req(): a zero-copy queue and a request with page args (in_pages or out_pages). */
export function canZeroCopyReq(mode: Pick<QueueMode, 'bufring' | 'zero_copy'>, req: { pages: boolean }): boolean {
  return mode.bufring && mode.zero_copy && req.pages;
}
