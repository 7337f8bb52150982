// R4 (Dec 2025 kmbuf series v3/v4): REGISTER with init.flags BUF_RING / ZERO_COPY and init.queue_depth.
import { negErrno } from '../errno.js';
import { headersShort, iovFault, payloadShort, qidRange, sqeLen } from './r0.js';
import { withConfig, withProbe } from './scenario.js';
import { src, type Check, type Row, type RuleTable } from './types.js';
import type { Probe } from '../conn/probe.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4 } from '../uapi/fuse_uring.js';

const E = negErrno;
// The v4 code (D4 in the spec audit): each row names the function of that file that holds its check.
const D4 = 'Dec-2025 v4 fs/fuse/dev_uring.c (joannekoong/linux 34db437a46df)';
const REG = `${D4}:fuse_uring_register`;
const CREATE_Q = `${D4}:fuse_uring_create_queue`;
const SETUP = `${D4}:fuse_uring_buf_ring_setup`;
const ENT = `${D4}:fuse_uring_create_ring_ent`;
const D2 = 'Dec-2025 v2 19/25 + 24/25 (20251218083319.3485503-20/-25)';

const initFlags = (p: Probe) => p.cmd.init_flags$R4 ?? 0;
const bufring = (p: Probe) => (initFlags(p) & FUSE_URING_BUF_RING$R4) !== 0;
const zeroCopy = (p: Probe) => (initFlags(p) & FUSE_URING_ZERO_COPY$R4) !== 0;
// A queue created by this REGISTER takes its mode from this command's flags.
const queueBufring = (p: Probe) => (p.firstOnQueue || !p.queue ? bufring(p) : p.queue.mode.bufring);

/** Narrows a shared row to queues without a buffer ring. */
const unlessBufring = (c: Check): Check => ({ ...c, when: (p: Probe) => !queueBufring(p) && c.when(p) });

export function registerR4(): RuleTable {
  const rows: Row[] = [
      { kind: 'effect', id: 'register.ring.create', effect: 'create_ring', source: src('fs/fuse/dev_uring.c:fuse_uring_create') },
      qidRange(REG, 'register.qid.out_of_range'),
      {
        kind: 'check', id: 'register.flags.zero_copy_without_bufring', errno: E('EINVAL'), source: src(`${CREATE_Q} (ZERO_COPY without BUF_RING); ${D2}`),
        when: (p) => p.firstOnQueue && zeroCopy(p) && !bufring(p),
        violate: (s) => withProbe(s, { init_flags$R4: FUSE_URING_ZERO_COPY$R4 }),
      },
      {
        kind: 'check', id: 'register.bufring.not_kmbuf', errno: E('EINVAL'), source: src(`${SETUP} (io_uring_is_kmbuf_ring, bgid 0)`),
        when: (p) => p.firstOnQueue && bufring(p) && !(p.st.cfg.ring_setup?.kmbuf_bgid0 ?? false),
        violate: (s) => withConfig(s, { ring_setup: { ...(s.config.ring_setup ?? { fixed_buffers: 1, kmbuf_nbufs: 0 }), kmbuf_bgid0: false } }),
      },
      {
        kind: 'check', id: 'register.flags.zero_copy_without_cap', errno: E('EINVAL'), source: src(`${SETUP} (capable(CAP_SYS_ADMIN): EINVAL, not EPERM)`),
        when: (p) => p.firstOnQueue && bufring(p) && zeroCopy(p) && !p.st.cfg.caps.CAP_SYS_ADMIN,
        violate: (s) => withConfig(withProbe(s, { init_flags$R4: FUSE_URING_BUF_RING$R4 | FUSE_URING_ZERO_COPY$R4 }),
          { caps: { ...s.config.caps, CAP_SYS_ADMIN: false } }),
      },
      // v4 reads init.queue_depth only inside `if (zero_copy)` (the sparse table's depth): a BUF_RING-only queue ignores it.
      {
        kind: 'check', id: 'register.bufring.queue_depth.zero', errno: E('EINVAL'), source: src(`${SETUP} (zero_copy_depth, read only with ZERO_COPY)`),
        when: (p) => p.firstOnQueue && bufring(p) && zeroCopy(p) && (p.cmd.queue_depth ?? 0) === 0,
        violate: (s) => withProbe(s, { init_flags$R4: (s.probe.init_flags$R4 ?? 0) | FUSE_URING_BUF_RING$R4 | FUSE_URING_ZERO_COPY$R4, queue_depth: 0 }),
      },
      // Later REGISTERs must carry the queue's BUF_RING and ZERO_COPY; queue_depth is ignored.
      {
        kind: 'check', id: 'register.flags.mismatch', errno: E('EINVAL'), source: src(`${REG} (existing queue)`),
        when: (p) => !p.firstOnQueue && p.queue !== undefined && (p.queue.mode.bufring !== bufring(p) || p.queue.mode.zero_copy !== zeroCopy(p)),
        violate: (s) => withProbe(s, { init_flags$R4: (s.probe.init_flags$R4 ?? 0) ^ FUSE_URING_BUF_RING$R4 }),
      },
      { kind: 'effect', id: 'register.queue.create', effect: 'create_queue', source: src(CREATE_Q) },
      // Bufring entries take sqe->buf_index as their header slot, validated only when used.
      unlessBufring(sqeLen(`${ENT} → fuse_uring_get_iovec_from_sqe (non-bufring)`)),
      unlessBufring(iovFault(`${ENT} → fuse_uring_get_iovec_from_sqe (non-bufring)`)),
      headersShort(`${ENT} (non-bufring)`, (p) => !queueBufring(p)),
      payloadShort(`${ENT} (non-bufring)`, (p) => !queueBufring(p)),
  ];
  return { id: 'register', title: 'FUSE_IO_URING_CMD_REGISTER with kernel-managed buffer ring (Dec 2025 v3/v4)', rows };
}
