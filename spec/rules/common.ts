// The checks fuse_uring_cmd() makes before dispatching on cmd_op: R0 order and the 7.3 (R8) order.
import { negErrno } from '../errno.js';
import { FUSE_INIT_FLAG } from '../uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../uapi/fuse_uring.js';
import { mapPrior, withConfig, withInitFlags, withPrior, withProbe } from './scenario.js';
import { src, type Check, type KnownDifference, type RuleTable } from './types.js';

const E = negErrno;
const F614 = 'fs/fuse/dev_uring.c:fuse_uring_cmd (v6.14)';
const F73 = 'fs/fuse/dev_uring.c:fuse_uring_cmd (v7.3-rc1)';
const F72 = 'fs/fuse/dev_uring.c:fuse_uring_cmd (v7.2)';

const sqe128 = (ref: string): Check => ({
  kind: 'check', id: 'common.sqe128.missing', errno: E('EINVAL'), source: src(ref),
  when: (p) => !p.st.cfg.sqe128,
  violate: (s) => withConfig(s, { sqe128: false }),
});

// Seen under furc vm on Debian's 6.17.13: fuse_get_dev() answered ENOTCONN before 6.18 made it EPERM.
const NO_DEV_BEFORE_618: KnownDifference = {
  observed: 'cqe -ENOTCONN', kernels: '6.14–6.17', why: 'fuse_get_dev() returned ERR_PTR(-ENOTCONN) for an unbound /dev/fuse until 6.18',
  link: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/log/fs/fuse/fuse_dev_i.h?h=v6.18',
};

// Seen under furc vm on Debian's 7.1.3 (issue 16): a8dd5f1b73bc ("fuse: create fuse_dev on /dev/fuse open instead of
// mount", v7.1) made fuse_get_dev() wait for a mount even without sync init; 7.1.4 restored -EPERM (1ec674d3d0ed).
const NO_DEV_BLOCKS_71: KnownDifference = {
  observed: 'blocked, then cqe -ERESTARTSYS', kernels: '7.1.0–7.1.3',
  why: 'fuse_get_dev() sleeps in wait_event_interruptible(fuse_dev_waitq, fuse_dev_fc_get(fud) != NULL) for any unmounted device until a signal; fixed by "fuse: don\'t block in fuse_get_dev() for non-sync_init case"',
  link: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/commit/?id=1ec674d3d0ed',
};

const noDev = (ref: string, errno: number, known: readonly KnownDifference[] = []): Check => ({
  kind: 'check', id: 'common.fuse_dev.missing', errno, source: src(`${ref}; fs/fuse/fuse_dev_i.h:fuse_get_dev (6.18 "allow synchronous FUSE_INIT")`),
  when: (p) => !p.st.devBound,
  // Without a mount there is no path for a client to use.
  violate: (s) => withConfig(mapPrior(s, (c) => (c.kind === 'client' ? null : c)), { mount: false }),
  excludes: ['common.conn.aborted', 'common.conn.disconnected'],
  ...(known.length ? { known } : {}),
});

// 6.18 "allow synchronous FUSE_INIT": after FUSE_DEV_IOC_SYNC_INIT, fuse_get_dev() sleeps interruptibly until a mount
// installs the device (seen on this host: wchan fuse_get_dev, CQE -ERESTARTSYS once a signal ends the sleep).
const NO_SYNC_INIT_BEFORE_618: KnownDifference = {
  observed: 'cqe -ENOTCONN', kernels: '6.14–6.17', why: 'no FUSE_DEV_IOC_SYNC_INIT before 6.18 (the ioctl fails with ENOTTY), so the unbound device answers as common.fuse_dev.missing does there',
  link: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/log/fs/fuse/fuse_dev_i.h?h=v6.18',
};

// Seen under furc vm on Debian's 7.3.4: io_issue_sqe() maps -ERESTART* to -EINTR (io_fixup_restart_res), listed in
// Debian's 7.3.2 changelog as "io_uring: don't pass restart error codes to userspace". R0 kernels that took it say -EINTR.
const RESTART_AS_EINTR: KnownDifference = {
  observed: 'blocked, then cqe -EINTR', kernels: 'kernels with "io_uring: don\'t pass restart error codes to userspace" (7.3.2+, and stable updates that carry it)',
  why: 'io_uring/io_uring.c:io_fixup_restart_res turns the wait\'s -ERESTARTSYS into -EINTR before the CQE is posted',
  link: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/log/io_uring/io_uring.c?h=v7.3.2',
};

const syncInitPending = (ref: string, known: readonly KnownDifference[]): Check => ({
  kind: 'check', id: 'common.fuse_dev.sync_init_pending', errno: 'blocked',
  source: src(`${ref}; fs/fuse/fuse_dev_i.h:fuse_get_dev (6.18 "allow synchronous FUSE_INIT"; 7.2+ fs/fuse/dev.c: waits only if fud->sync_init)`),
  when: (p) => !p.st.devBound && (p.st.cfg.sync_init ?? false),
  violate: (s) => withConfig(mapPrior(s, (c) => (c.kind === 'client' ? null : c)), { mount: false, sync_init: true }),
  excludes: ['common.conn.aborted', 'common.conn.disconnected'],
  known,
});

const disabled = (ref: string): Check => ({
  kind: 'check', id: 'common.enable_uring.off', errno: E('EOPNOTSUPP'), source: src(ref),
  when: (p) => !p.st.cfg.enable_uring && !p.st.io_uring,
  violate: (s) => withConfig(s, { enable_uring: false }),
});

// fc->aborted is only set by a fusectl abort when FUSE_ABORT_ERROR was negotiated (fs/fuse/control.c).
const aborted = (ref: string): Check => ({
  kind: 'check', id: 'common.conn.aborted', errno: E('ECONNABORTED'), source: src(`${ref}; fs/fuse/control.c:fuse_conn_abort_write`),
  when: (p) => p.st.aborted,
  // The fusectl entry goes away at umount, so the abort must come before any umount.
  violate: (s) => {
    const t = withInitFlags(s, FUSE_INIT_FLAG.FUSE_ABORT_ERROR);
    const at = t.prior.findIndex((c) => c.kind === 'umount');
    return at < 0 ? withPrior(t, [{ kind: 'abort' }]) : { ...t, prior: [...t.prior.slice(0, at), { kind: 'abort' }, ...t.prior.slice(at)] };
  },
  excludes: ['common.fuse_dev.missing', 'common.conn.not_initialized'],
});

// A fusectl abort without FUSE_ABORT_ERROR clears fc->connected only; a lazy umount would not while a client is inside.
/** `abort`: the function that clears connected, fuse_abort_conn() until the 7.2 fuse_chan rework renamed it fuse_chan_abort(). */
const disconnected = (ref: string, abort = 'fuse_abort_conn'): Check => ({
  kind: 'check', id: 'common.conn.disconnected', errno: E('ENOTCONN'), source: src(`${ref}; fs/fuse/dev.c:${abort}`),
  when: (p) => !p.st.connected,
  violate: (s) => withPrior(s, [{ kind: 'abort' }]),
  excludes: ['common.fuse_dev.missing'],
});

const notInitialized = (ref: string): Check => ({
  kind: 'check', id: 'common.conn.not_initialized', errno: E('EAGAIN'), source: src(ref),
  when: (p) => !p.st.initialized,
  violate: (s) => withConfig(s, { init: null }),
  // fuse_abort_conn() marks the connection initialized, so no abort can leave it uninitialized.
  excludes: ['common.conn.aborted', 'common.conn.disconnected'],
});

const unknownOp = (ref: string, known: readonly number[]): Check => ({
  kind: 'check', id: 'common.cmd_op.unknown', errno: E('EINVAL'), source: src(ref),
  when: (p) => !known.includes(p.cmd.cmd_op),
  violate: (s) => withProbe(s, { cmd_op: 0x7f }),
});

/** R0: mainline 6.14–7.2; EAGAIN after aborted/connected. fuse_get_dev() on an unmounted fd: EPERM since 6.18 (ENOTCONN in 6.14–6.17). */
export function commonR0(): RuleTable {
  return {
    id: 'common', title: 'fuse_uring_cmd() entry checks (6.14–7.2)',
    rows: [
      sqe128(F614), syncInitPending(F614, [NO_SYNC_INIT_BEFORE_618, RESTART_AS_EINTR]), noDev(F614, E('EPERM'), [NO_DEV_BEFORE_618, NO_DEV_BLOCKS_71]), disabled(F614), aborted(F614), disconnected(F614), notInitialized(F614),
      // From 7.2 a connection whose io_uring is off refuses every command (commonR72 has it in 7.2's order).
      notNegotiated72(),
      unknownOp(F614, R0_OPS),
    ],
  };
}

const CHAN = 'kernel.fuse_chan';
const R0_OPS = [FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER, FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH];
/** "fuse-io-uring not enabled on this connection" (7.2 and 7.3); `fact`: only on kernels measured with it. */
const notNegotiated = (ref: string, fact?: string): Check => ({
  kind: 'check', id: 'common.io_uring.not_negotiated', errno: E('EOPNOTSUPP'), source: src(ref),
  when: (p) => (fact === undefined || p.st.a[fact] !== 0n) && !p.st.io_uring,
  violate: (s) => withInitFlags(s, 0n, FUSE_INIT_FLAG.FUSE_OVER_IO_URING),
  ...(fact !== undefined ? { fact } : {}),
});
const notNegotiated72 = () => notNegotiated(`${F72} ("fuse-io-uring not enabled on this connection"); ${CHAN}`, CHAN);

/** R0 on a kernel with 7.2's fuse_chan rework (measured: kernel.fuse_chan 1): 7.3's order and io_uring check, R0's commands. */
export function commonR72(): RuleTable {
  return {
    id: 'common', title: 'fuse_uring_cmd() entry checks (7.2: 7.3\'s order, R0\'s commands)',
    rows: [
      sqe128(F72), syncInitPending(F72, []), noDev(F72, E('EPERM')), notInitialized(F72), aborted(F72), disconnected(F72, 'fuse_chan_abort'), disabled(F72), notNegotiated72(),
      unknownOp(F72, R0_OPS),
    ],
  };
}

/** R8: 7.3 moved the initialized check first and requires io_uring to have been negotiated. */
export function commonR8(): RuleTable {
  return {
    id: 'common', title: 'fuse_uring_cmd() entry checks (7.3)',
    rows: [
      sqe128(F73), syncInitPending(F73, []), noDev(F73, E('EPERM')), notInitialized(F73), aborted(F73), disconnected(F73, 'fuse_chan_abort'), disabled(F73), notNegotiated(`${F73}; "fuse: Fix the condition to enable over-io-uring"`),
      unknownOp(F73, Object.values(FUSE_URING_CMD).filter((v) => v !== 0)),
    ],
  };
}
