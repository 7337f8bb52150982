// Named assumptions: every value no public text confirms, with its reason and how to override it.
import { UsageError } from './errors.js';
import type { Assumption, AssumptionValues, RevisionId } from './types.js';
import { FUSE_URING_FLAG$R7 } from './uapi/fuse_uring.js';

const A = (id: string, revision: RevisionId, what: string, value: bigint | number, reason: string, headerSymbol?: string): Assumption =>
  headerSymbol === undefined
    ? { id, revision, what, value: BigInt(value), reason }
    : { id, revision, what, value: BigInt(value), reason, headerSymbol };

const NO_CODE = 'the April 2026 v2 code was not retrievable; only patch 13/14, its review and the docs are public';

export const ASSUMPTIONS: readonly Assumption[] = [
  A('r7.flag.FUSE_URING_BUFRING', 'R7', 'value of FUSE_URING_BUFRING', FUSE_URING_FLAG$R7.FUSE_URING_BUFRING,
    `${NO_CODE}; R6 (v1) put BUF_RING at bit 0 and the April doc lists BUFRING first`, 'FUSE_URING_BUFRING'),
  A('r7.flag.FUSE_URING_PINNED_HEADERS', 'R7', 'value of FUSE_URING_PINNED_HEADERS', FUSE_URING_FLAG$R7.FUSE_URING_PINNED_HEADERS,
    `${NO_CODE}; assumed to follow BUFRING in the order the doc lists them`, 'FUSE_URING_PINNED_HEADERS'),
  A('r7.flag.FUSE_URING_PINNED_BUFFERS', 'R7', 'value of FUSE_URING_PINNED_BUFFERS', FUSE_URING_FLAG$R7.FUSE_URING_PINNED_BUFFERS,
    `${NO_CODE}; assumed to follow PINNED_HEADERS`, 'FUSE_URING_PINNED_BUFFERS'),
  A('r7.flag.FUSE_URING_ZERO_COPY', 'R7', 'value of FUSE_URING_ZERO_COPY', FUSE_URING_FLAG$R7.FUSE_URING_ZERO_COPY,
    `${NO_CODE}; patch 13/14 adds it after the PINNED flags (5 uapi lines)`, 'FUSE_URING_ZERO_COPY'),
  A('r7.flags.field', 'R7', 'init flags are read from fuse_uring_cmd_req.flags (offset 0)', 0n,
    `${NO_CODE}; R6 moved the flags to the top-level word on Bernd's review and R8 kept them there`, 'offsetof(struct fuse_uring_cmd_req, flags)'),
  A('r7.cmd_req.queue_depth.offset', 'R7', 'offset of queue_depth in fuse_uring_cmd_req', 24n,
    `${NO_CODE}; R6 (v1) had union init { u64 headers_offset; u16 queue_depth; } at 24, which put queue_depth at 32; R7 takes `
    + 'its headers from the first REGISTER\'s iovec and has no headers_offset, so queue_depth is assumed to open the union at 24',
    'offsetof(struct fuse_uring_cmd_req, init.queue_depth)'),
  A('r7.cmd_req.buf_size.offset', 'R7', 'offset of buf_size in fuse_uring_cmd_req', 28n,
    `${NO_CODE}; bufring_setup reads a buf_size next to queue_depth; u32 aligned after it`, 'offsetof(struct fuse_uring_cmd_req, init.buf_size)'),
  A('r7.cmd_req.size', 'R7', 'size of fuse_uring_cmd_req: 40, with a reserved u64 at 32 that must be 0', 40n,
    `${NO_CODE}; 13/14's uapi hunk (5 lines) is not quoted; R6 and R8 both have 40 bytes with a union at 24, and the spec's R7 `
    + 'layout keeps 40 bytes and calls bytes 32-39 reserved', 'sizeof(struct fuse_uring_cmd_req)'),
  A('r7.ent_in_out.buf_id.offset', 'R7', 'offset of the selected buffer id in fuse_uring_ent_in_out', 20n,
    'the doc says the buf_id is reported in fuse_uring_ent_in_out; the only free u32 is the former padding at 20', 'offsetof(struct fuse_uring_ent_in_out, buf_id)'),
  A('r7.base.pre_7_2', 'R7', 'R7 applies to a 6.14-7.2 tree: its common, COMMIT_AND_FETCH, reply and delivery checks, and the REGISTER checks 13/14 does not touch, are R0\'s (1; no other base is modelled)', 1n,
    'the April dev_uring_i.h\'s struct fuse_ring still holds struct fuse_conn *fc, which 7.2 replaced by fuse_chan, and the 13/14 '
    + 'hunks patch functions of that tree; the rest of the tree is in no seed'),
  A('r7.zero_copy_cap.every_register', 'R7', 'whether ZERO_COPY\'s CAP_SYS_ADMIN check runs on every REGISTER carrying it (1) or only on the one that creates the queue (0)', 0n,
    '13/14\'s commit message says ZERO_COPY requires CAP_SYS_ADMIN, not where it is checked; the Dec-2025 v4 code checked it in '
    + 'fuse_uring_buf_ring_setup, when the queue is created, and 7.3 in ADD_QUEUE, also at creation'),
  A('r7.later_register.iovecs', 'R7', 'whether a REGISTER on an existing BUFRING queue must carry sqe->len == 2 and iovecs that import (1), or carries none and nothing is checked (0)', 0n,
    'the doc: "The first REGISTER SQE for a queue creates the queue and sets up the buffer ring" from its two iovecs, and a later '
    + 'entry needs only its fixed id (sqe->buf_index); 13/14 imports the iovecs in fuse_uring_bufring_setup, which runs once per queue'),
  A('r7.queue.kept_after_failed_setup', 'R7', 'whether a first BUFRING REGISTER whose buffer-ring setup fails leaves its queue behind as a plain queue (1) or not (0)', 0n,
    '13/14\'s fuse_uring_bufring_setup already uses queue->ring, so the queue exists during setup; the Dec-2025 v4 '
    + 'fuse_uring_create_queue freed the queue when its setup failed, and the doc names creating the queue and setting up the ring as one step'),
  A('r7.memlock.accounting', 'R7', 'how pinning is charged: each pinned region rounded up to whole pages, summed per connection, never given back while it lives (1; no other accounting is modelled)', 1n,
    'the doc: pinned pages are "accounted against RLIMIT_MEMLOCK (bypassable with CAP_IPC_LOCK)"; the April dev_uring_i.h keeps '
    + 'user_struct and mm "to unpin / unaccount pages during teardown"; how pages are counted is in no seed'),
  A('r7.errno.zero_copy_without_cap', 'R7', 'errno when ZERO_COPY is asked without CAP_SYS_ADMIN', -1n,
    `${NO_CODE}; R8 answers EPERM for the same condition (R2-R4 answered EINVAL)`),
  A('r7.errno.flags_inconsistent', 'R7', 'errno when queue_init_flags_consistent() is false', -22n,
    `${NO_CODE}; every earlier series answered a flag mismatch on a later REGISTER with EINVAL`),
  A('r7.errno.memlock_exceeded', 'R7', 'errno when pinning exceeds RLIMIT_MEMLOCK', -12n,
    'account_locked_vm()-style helpers return ENOMEM; the pinning code was not retrievable'),
  A('r7.errno.unaligned_pinned', 'R7', 'errno when a pinned region is not page-aligned (checked before that region is charged to RLIMIT_MEMLOCK)', -22n,
    `${NO_CODE}; the doc says buffers must be page-aligned, EINVAL is the kernel's usual answer. 13/14 pins the headers region `
    + 'before the buffers (fuse_bufring_pin_mem(&br->pinned_headers, ...) comes first); alignment is assumed checked before accounting within each pin'),
  A('r7.errno.zero_copy_incomplete', 'R7', 'errno for ZERO_COPY without BUFRING and both PINNED flags', -22n,
    `13/14's commit message requires BUFRING and both PINNED flags for ZERO_COPY, but its quoted hunks hold no such check; `
    + 'EINVAL, as every series answered a bad flag set'),
  // Checks no seed shows: the value is the errno, and 0 says the check does not exist (the row leaves the table).
  A('r7.check.unknown_flags', 'R7', 'whether REGISTER rejects init flag bits outside the four known ones, and with which errno (0: no such check)', -22n,
    `${NO_CODE}: neither 13/14 nor the doc shows flag validation. The Dec-2025 v4 code read only BUF_RING and ZERO_COPY and `
    + 'ignored other bits; 7.3 rejects unknown ADD_QUEUE bits with EINVAL, the value assumed'),
  A('r7.check.pinned_without_bufring', 'R7', 'whether REGISTER rejects PINNED_HEADERS or PINNED_BUFFERS without BUFRING, and with which errno (0: no such check)', -22n,
    `${NO_CODE}: the doc describes pinning only for buffer rings, and 13/14's queue_init_flags_consistent() ignores the PINNED `
    + 'bits of a queue without BUFRING; the v4 code rejected its one modifier flag without BUF_RING (ZERO_COPY) with EINVAL, the value assumed'),
  A('r7.check.queue_depth_zero', 'R7', 'whether a first BUFRING REGISTER with queue_depth 0 is rejected, and with which errno (0: no such check)', -22n,
    '13/14 shows only "headers_size < queue_depth * sizeof(struct fuse_uring_req_header)", a product queue_depth 0 passes; a check '
    + 'would sit in the hidden lines 491-507 of fuse_uring_bufring_setup. The Dec-2025 v4 code rejected queue_depth 0 only with ZERO_COPY (EINVAL)'),
  A('r7.check.nr_bufs_zero', 'R7', 'whether a first BUFRING REGISTER whose payload iovec holds no whole buffer is rejected, and with which errno (0: no such check)', -22n,
    '13/14 computes "nr_bufs = payload_size / buf_size"; a check on it would be among the hidden lines 515-520 of '
    + 'fuse_uring_bufring_setup, before "if (!br) return -ENOMEM"; EINVAL, as the function\'s other size checks'),
  A('r7.check.buf_index_range', 'R7', 'whether REGISTER on a BUFRING queue rejects sqe->buf_index >= queue_depth, and with which errno (0: no such check)', -22n,
    'the doc maps the fixed id (sqe->buf_index) to header slot buf_index × 288 of a region of queue_depth slots but states no range '
    + 'check, and the Dec-2025 v4 code checked nothing at REGISTER (it validated the slot when used); a slot past the region would be '
    + 'written through the kernel\'s mapping of pinned headers, so a check must exist somewhere: EINVAL at REGISTER is assumed'),
  A('r7.check.buf_index_duplicate', 'R7', 'whether REGISTER on a BUFRING queue rejects an sqe->buf_index another entry of the queue holds, and with which errno (0: no such check)', -22n,
    'the April dev_uring_i.h calls the entry\'s id its "unique fixed id", and 13/14 registers a zero-copy request\'s pages at '
    + 'ent->id: two entries with one id would share a header slot and a sparse slot. No seed shows a check; EINVAL at REGISTER is assumed'),
  A('r7.errno.zero_copy_buf_size_zero', 'R7', 'errno for a first BUFRING|ZERO_COPY REGISTER with buf_size 0 (the check itself is required, not assumed)', -22n,
    '13/14 exempts ZERO_COPY from "buf_size < max_payload_sz" and then computes "nr_bufs = payload_size / buf_size" with nothing '
    + 'between; only a guard in the hidden lines 491-507 keeps buf_size 0 from dividing by zero. The spec requires that guard (a '
    + 'REGISTER must not oops the kernel; a kernel that divides fails the case on its splat) and assumes EINVAL, the function\'s answer to every other bad size'),
  A('r7.bufring.fill_order', 'R7', 'order of the payload buffer ring at setup: ids 0..nr_bufs-1 from head to tail (0; no other order is modelled)', 0n,
    'the April dev_uring_i.h\'s struct fuse_bufring keeps bufs[] {addr, len, id} with head and tail, and the payload iovec is cut '
    + 'into buffers 0, 1, ...; how setup fills the ring is in no seed. With it, the buffer ids a server sees follow from the requests'),
  A('r4.kmbuf.fill_order', 'R4', 'order of the kernel-managed buffer ring at bgid 0 when the server registers it: ids 0..nr-1 from head to tail (0; no other order is modelled)', 0n,
    'the Dec-2025 doc says only that registering the ring "allocates the pages needed for the buffers"; the fill is io_uring\'s '
    + '(its v2 03/25), not in any seed'),
  A('kernel.page_size', 'R0', 'PAGE_SIZE of the kernel under test', 4096n, 'x86_64 and arm64 4K-page default', 'PAGE_SIZE'),
  A('kernel.fuse_chan', 'R0', 'whether an R0 kernel has 7.2\'s fuse_chan rework (1): the ring made at INIT, fuse_uring_cmd()\'s checks in 7.3\'s order with the io_uring check, a connection aborted before INIT refusing clients (ECONNREFUSED), a release clearing the abort error; 0: 6.14–7.1', 0n,
    'fs/fuse/dev_uring.c v7.2: fuse_uring_conn_init() at INIT, fuse_uring_cmd() checks initialized, abort_with_err, connected, enable_uring, then '
    + '"if (!fch->io_uring) return -EOPNOTSUPP" ("fuse-io-uring not enabled on this connection"); 7.0 and 7.1 have none of it, nor has 6.18.44. '
    + 'The kernel target measures it (src/kernel/detect.ts: a COMMIT to qid nr_cpus before any REGISTER answers EINVAL only when the ring exists) '
    + 'and the model of that kernel takes the measured value; seen on Debian 7.2.12 under furc vm'),
  A('kernel.fuse_max_max_pages', 'R0', 'upper clamp of max_pages (fc->max_pages_limit default)', 256n,
    'FUSE_DEFAULT_MAX_PAGES_LIMIT / fuse_max_pages_limit sysctl default', 'FUSE_MAX_MAX_PAGES'),
];

const BY_ID = new Map(ASSUMPTIONS.map((a) => [a.id, a]));

export class UnknownAssumptionError extends UsageError {}

/** Resolves every assumption, replacing those the caller read from a kernel header. */
export function resolveAssumptions(overrides: AssumptionValues = {}): AssumptionValues {
  for (const id of Object.keys(overrides)) {
    if (!BY_ID.has(id)) throw new UnknownAssumptionError(`unknown assumption id: ${id}`);
  }
  const out: Record<string, bigint> = {};
  for (const a of ASSUMPTIONS) out[a.id] = overrides[a.id] ?? a.value;
  return out;
}

export function assumption(id: string): Assumption {
  const a = BY_ID.get(id);
  if (!a) throw new UnknownAssumptionError(`unknown assumption id: ${id}`);
  return a;
}
