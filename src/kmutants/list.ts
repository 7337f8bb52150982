// Source mutations of the kernel's FUSE-over-io_uring code, written against Debian's 7.2.13 text: the harness should notice each one.
// An edit replaces `before` (exact text, found once in the file) with `after`; a tab is written '\t'.

export const KINDS = ['errno', 'check-removed', 'checks-swapped', 'boundary', 'wakeup-dropped', 'list-move-dropped', 'fix-reverted'] as const;
export type Kind = (typeof KINDS)[number];

export interface Edit { readonly before: string; readonly after: string }

export interface KMutant {
  readonly id: string;
  readonly kind: Kind;
  readonly file: 'fs/fuse/dev_uring.c' | 'fs/fuse/dev.c';
  /** What the change breaks, as seen from the server or a client. */
  readonly reason: string;
  readonly edits: readonly Edit[];
}

const L = (...lines: string[]) => lines.join('\n');
const U = 'fs/fuse/dev_uring.c', D = 'fs/fuse/dev.c';

export const KMUTANTS: readonly KMutant[] = [
  // ---- errno changed ----
  { id: 'errno-sqe128', kind: 'errno', file: U,
    reason: 'a URING_CMD from a ring without IORING_SETUP_SQE128 answers EOPNOTSUPP instead of EINVAL',
    edits: [{ before: L('\tif (!(issue_flags & IO_URING_F_SQE128))', '\t\treturn -EINVAL;'), after: L('\tif (!(issue_flags & IO_URING_F_SQE128))', '\t\treturn -EOPNOTSUPP;') }] },
  { id: 'errno-not-initialized', kind: 'errno', file: U,
    reason: 'a command before the INIT reply answers EBUSY instead of EAGAIN',
    edits: [{ before: L('\tif (!smp_load_acquire(&fch->initialized))', '\t\treturn -EAGAIN;'), after: L('\tif (!smp_load_acquire(&fch->initialized))', '\t\treturn -EBUSY;') }] },
  { id: 'errno-aborted', kind: 'errno', file: U,
    reason: 'a command after a fusectl abort (FUSE_ABORT_ERROR negotiated) answers ENOTCONN instead of ECONNABORTED',
    edits: [{ before: L('\tif (fch->abort_with_err)', '\t\treturn -ECONNABORTED;'), after: L('\tif (fch->abort_with_err)', '\t\treturn -ENOTCONN;') }] },
  { id: 'errno-unknown-cmd-op', kind: 'errno', file: U,
    reason: 'an unknown cmd_op answers EOPNOTSUPP instead of EINVAL',
    edits: [{ before: L('\tdefault:', '\t\treturn -EINVAL;', '\t}', '', '\treturn -EIOCBQUEUED;'), after: L('\tdefault:', '\t\treturn -EOPNOTSUPP;', '\t}', '', '\treturn -EIOCBQUEUED;') }] },
  { id: 'errno-commit-id-unknown', kind: 'errno', file: U,
    reason: 'COMMIT_AND_FETCH with a commit_id the queue does not hold answers EINVAL instead of ENOENT',
    edits: [{ before: L('\treq = fuse_request_find(fpq, commit_id);', '\terr = -ENOENT;'), after: L('\treq = fuse_request_find(fpq, commit_id);', '\terr = -EINVAL;') }] },
  { id: 'errno-entry-state', kind: 'errno', file: U,
    reason: 'a commit of an entry that is not in userspace ends the request with EINVAL instead of EIO',
    edits: [{ before: L('\tif (WARN_ON_ONCE(ent->state != FRRS_USERSPACE))', '\t\treturn -EIO;'), after: L('\tif (WARN_ON_ONCE(ent->state != FRRS_USERSPACE))', '\t\treturn -EINVAL;') }] },
  // ---- check removed ----
  { id: 'drop-not-initialized', kind: 'check-removed', file: U,
    reason: 'commands before the INIT reply pass on to the io_uring checks (EOPNOTSUPP) instead of EAGAIN',
    edits: [{ before: L('\tif (!smp_load_acquire(&fch->initialized))', '\t\treturn -EAGAIN;', ''), after: '' }] },
  { id: 'drop-iov-count', kind: 'check-removed', file: U,
    reason: 'REGISTER with sqe->len other than 2 is accepted (import_iovec still reads two iovecs)',
    edits: [{ before: L('\tif (sqe->len != FUSE_URING_IOV_SEGS)', '\t\treturn -EINVAL;', ''), after: '' }] },
  { id: 'drop-unique-zero', kind: 'check-removed', file: U,
    reason: 'a reply with unique 0 (a notification) over the ring ends the request ENOENT instead of EINVAL',
    edits: [{ before: L('\terr = -EINVAL;', '\tif (oh->unique == 0) {'), after: L('\terr = -EINVAL;', '\tif (0) {') }] },
  { id: 'drop-enable-uring', kind: 'check-removed', file: U,
    reason: 'the enable_uring module parameter no longer gates connections that did not negotiate io_uring',
    edits: [{ before: L('\tif (!enable_uring && !fch->io_uring) {'), after: L('\tif (0) {') }] },
  { id: 'drop-commit-stopped', kind: 'check-removed', file: U,
    reason: 'COMMIT_AND_FETCH on a stopped queue goes on to look up the request',
    edits: [{ before: L('\tspin_lock(&queue->lock);', '\tif (unlikely(queue->stopped)) {', '\t\tspin_unlock(&queue->lock);', '\t\treturn err;', '\t}'), after: '\tspin_lock(&queue->lock);' }] },
  { id: 'drop-block-alloc-connected', kind: 'check-removed', file: D,
    reason: 'after an abort of a connection whose ring never became ready, new client requests sleep forever instead of failing ENOTCONN',
    edits: [{ before: '\t       (fch->io_uring && fch->connected && !fuse_uring_ready(fch));', after: '\t       (fch->io_uring && !fuse_uring_ready(fch));' }] },
  // ---- two checks swapped ----
  { id: 'swap-aborted-connected', kind: 'checks-swapped', file: U,
    reason: 'after a fusectl abort with FUSE_ABORT_ERROR, commands answer ENOTCONN (connected is tested first) instead of ECONNABORTED',
    edits: [{ before: L('\tif (fch->abort_with_err)', '\t\treturn -ECONNABORTED;', '\tif (!fch->connected)', '\t\treturn -ENOTCONN;'),
      after: L('\tif (!fch->connected)', '\t\treturn -ENOTCONN;', '\tif (fch->abort_with_err)', '\t\treturn -ECONNABORTED;') }] },
  { id: 'swap-initialized-sqe128', kind: 'checks-swapped', file: U,
    reason: 'a 64-byte-SQE command before INIT answers EAGAIN (initialized is tested before the SQE size) instead of EINVAL',
    edits: [
      { before: L('\t/* This extra SQE size holds struct fuse_uring_cmd_req */', '\tif (!(issue_flags & IO_URING_F_SQE128))', '\t\treturn -EINVAL;', ''), after: '' },
      { before: L('\tif (!smp_load_acquire(&fch->initialized))', '\t\treturn -EAGAIN;', ''), after: L('\tif (!smp_load_acquire(&fch->initialized))', '\t\treturn -EAGAIN;', '', '\tif (!(issue_flags & IO_URING_F_SQE128))', '\t\treturn -EINVAL;', '') },
    ] },
  // ---- boundary moved by one ----
  { id: 'bound-register-qid', kind: 'boundary', file: U,
    reason: 'REGISTER with qid == nr_queues is accepted and indexes one past ring->queues',
    edits: [{ before: '\tif (qid >= ring->nr_queues) {', after: '\tif (qid > ring->nr_queues) {' }] },
  { id: 'bound-commit-qid', kind: 'boundary', file: U,
    reason: 'COMMIT_AND_FETCH with qid == nr_queues reads one past ring->queues',
    edits: [{ before: L('\tif (qid >= ring->nr_queues)', '\t\treturn -EINVAL;'), after: L('\tif (qid > ring->nr_queues)', '\t\treturn -EINVAL;') }] },
  { id: 'bound-header-len', kind: 'boundary', file: U,
    reason: 'a 287-byte header iovec (one short of struct fuse_uring_req_header) is accepted',
    edits: [{ before: '\tif (headers->iov_len < sizeof(struct fuse_uring_req_header)) {', after: '\tif (headers->iov_len < sizeof(struct fuse_uring_req_header) - 1) {' }] },
  { id: 'bound-payload-len', kind: 'boundary', file: U,
    reason: 'a payload iovec one byte shorter than max_payload_sz is accepted',
    edits: [{ before: '\tif (payload->iov_len < ring->max_payload_sz) {', after: '\tif (payload->iov_len + 1 < ring->max_payload_sz) {' }] },
  { id: 'bound-reply-error', kind: 'boundary', file: U,
    reason: 'a reply error of -ERESTARTSYS (-512) reaches the client instead of being refused as EINVAL',
    edits: [{ before: '\tif (oh->error <= -ERESTARTSYS || oh->error > 0)', after: '\tif (oh->error < -ERESTARTSYS || oh->error > 0)' }] },
  { id: 'bound-ring-ready', kind: 'boundary', file: U,
    reason: 'the ring becomes ready before the last queue has an entry, so requests from that CPU find no queue',
    edits: [{ before: '\tfor (qid = 0; qid < ring->nr_queues && ready; qid++) {', after: '\tfor (qid = 0; qid < ring->nr_queues - 1 && ready; qid++) {' }] },
  { id: 'bound-task-qid', kind: 'boundary', file: U,
    reason: 'a task on CPU nr_queues would use queue nr_queues (task_cpu is always below num_possible_cpus)',
    edits: [{ before: '\tif (WARN_ONCE(qid >= ring->nr_queues,', after: '\tif (WARN_ONCE(qid > ring->nr_queues,' }] },
  { id: 'bound-bg-limit', kind: 'boundary', file: U,
    reason: 'one background request more than max_background is moved to the ring at once',
    edits: [{ before: '\twhile ((fch->active_background < fch->max_background ||', after: '\twhile ((fch->active_background <= fch->max_background ||' }] },
  { id: 'bound-argvar-shrink', kind: 'boundary', file: D,
    reason: 'a reply whose variable-size last argument is emptied (a 0-byte READ at EOF) is refused EINVAL',
    edits: [{ before: '\t\tif (diffsize > lastarg->size)', after: '\t\tif (diffsize >= lastarg->size)' }] },
  // ---- wake-up or list move dropped ----
  { id: 'nowake-ring-ready', kind: 'wakeup-dropped', file: U,
    reason: 'clients that wait for the ring to become ready are not woken when it does',
    edits: [{ before: L('\t\t\tsmp_store_release(&ring->ready, true);', '\t\t\twake_up_all(&fch->blocked_waitq);'), after: '\t\t\tsmp_store_release(&ring->ready, true);' }] },
  { id: 'nowake-register-failed', kind: 'wakeup-dropped', file: U,
    reason: 'after a failed REGISTER turns io_uring off, clients waiting for the ring are not woken to use /dev/fuse',
    edits: [{ before: L('\t\t\tfch->io_uring = 0;', '\t\t\twake_up_all(&fch->blocked_waitq);'), after: '\t\t\tfch->io_uring = 0;' }] },
  { id: 'nomove-in-userspace', kind: 'list-move-dropped', file: U,
    reason: 'an entry handed to the server stays on ent_w_req_queue, so teardown never finds it and umount waits forever',
    edits: [{ before: L('\tent->state = FRRS_USERSPACE;', '\tlist_move_tail(&ent->list, &queue->ent_in_userspace);'), after: '\tent->state = FRRS_USERSPACE;' }] },
  { id: 'nomove-commit-queue', kind: 'list-move-dropped', file: U,
    reason: 'a committing entry stays on ent_in_userspace until it is made available again',
    edits: [{ before: L('\tent->state = FRRS_COMMIT;', '\tlist_move(&ent->list, &queue->ent_commit_queue);'), after: '\tent->state = FRRS_COMMIT;' }] },
  // ---- public 2026 fixes reverted ----
  { id: 'revert-efault-clobber', kind: 'fix-reverted', file: U,
    reason: 'revert "fuse: fix EFAULT clobber in fuse_uring_commit" (mainline 3a0a8bc5): an unreadable reply header ends the request with the positive residual count, which the client takes as success',
    edits: [{ before: L('\tssize_t err = -EFAULT;', '', '\tif (copy_header_from_ring(ent, FUSE_URING_HEADER_IN_OUT, &out_header,', '\t\t\t\t  sizeof(out_header)))', '\t\tgoto out;'),
      after: L('\tssize_t err;', '', '\terr = copy_from_user(&out_header, (void __user *)ent->headers,', '\t\t\t     sizeof(out_header));', '\tif (err) {', '\t\treq->out.h.error = -EFAULT;', '\t\tgoto out;', '\t}') }] },
  { id: 'revert-findable-after-memcpy', kind: 'fix-reverted', file: U,
    reason: 'revert "make a fuse_req on SQE commit only findable after memcpy" (CVE-2026-64259): a request is in the processing hash from assignment, so a commit of a not-yet-delivered commit_id finds it (EIO, WARN) instead of ENOENT',
    edits: [
      { before: L('\t/* Until fuse_uring_add_to_pq() the req is not attached to any list */', '\tlist_del_init(&req->list);', '', '\tent->fuse_req = req;', '\tent->state = FRRS_FUSE_REQ;', '\tlist_move_tail(&ent->list, &queue->ent_w_req_queue);'),
        after: L('\tent->fuse_req = req;', '\tent->state = FRRS_FUSE_REQ;', '\tlist_move_tail(&ent->list, &queue->ent_w_req_queue);', '\tfuse_uring_add_to_pq(ent);') },
      { before: L('\tent->cmd = NULL;', '\tfuse_uring_add_to_pq(ent);', '\tspin_unlock(&queue->lock);'), after: L('\tent->cmd = NULL;', '\tspin_unlock(&queue->lock);') },
    ] },
  { id: 'revert-tw-cancel-ends-req', kind: 'fix-reverted', file: U,
    reason: 'revert "fuse: end fuse_req on io-uring cancel task work": a request whose delivery task work is cancelled stays attached to an entry parked in ent_in_userspace, and its client waits until abort',
    edits: [{ before: L('\t\tspin_lock(&queue->lock);', '\t\tlist_del_init(&ent->list);', '\t\tspin_unlock(&queue->lock);', '', '\t\tio_uring_cmd_done(cmd, err, issue_flags);', '', '\t\tfuse_uring_req_end(ent, ent->fuse_req, err);', '\t\tkfree(ent);', '\t\tif (atomic_dec_and_test(&queue->ring->queue_refs))', '\t\t\twake_up_all(&queue->ring->stop_waitq);'),
      after: L('\t\tspin_lock(&queue->lock);', '\t\tlist_move(&ent->list, &queue->ent_in_userspace);', '\t\tent->state = FRRS_USERSPACE;', '\t\tent->cmd = NULL;', '\t\tspin_unlock(&queue->lock);', '', '\t\tio_uring_cmd_done(cmd, err, issue_flags);') }] },
  { id: 'revert-bg-dispatch', kind: 'fix-reverted', file: U,
    reason: 'revert "fuse: fix io-uring background queue dispatch on request completion": a finished ring background request frees its slot only later, in fuse_request_end, which flushes the /dev/fuse queue instead of the ring\'s',
    edits: [{ before: L('\t\tspin_lock(&fch->bg_lock);', '\t\tfuse_request_bg_finish(fch, req);', '\t\tfuse_uring_flush_bg(queue);'), after: L('\t\tspin_lock(&fch->bg_lock);', '\t\tfuse_uring_flush_bg(queue);') }] },
  { id: 'revert-register-abort-race', kind: 'fix-reverted', file: U,
    reason: 'revert "fuse: fix race between registration and connection abortion" (mainline 952b5d36): a REGISTER that races an abort adds an entry after teardown, and umount waits forever on queue_refs',
    edits: [{ before: L('\tspin_lock(&fch->lock);', '\t/* abort teardown path is running or has run */', '\tif (!fch->connected) {', '\t\tspin_unlock(&fch->lock);', '\t\tif (atomic_dec_and_test(&ring->queue_refs))', '\t\t\twake_up_all(&ring->stop_waitq);', '\t\tkfree(ent);', '\t\treturn -ECONNABORTED;', '\t}', '\tspin_unlock(&fch->lock);', ''), after: '' }] },
  { id: 'revert-header-stack-copy', kind: 'fix-reverted', file: U,
    reason: 'revert "fuse: copy request headers via a stack buffer for io-uring" (mainline fd10f40a): the in-header is copied to userspace straight from the fuse_request slab object, which hardened usercopy refuses',
    edits: [{ before: L('\t/* copy fuse_in_header */', '\tin_header = req->in.h;', '\treturn copy_header_to_ring(ent, FUSE_URING_HEADER_IN_OUT, &in_header,', '\t\t\t\t   sizeof(in_header));'),
      after: L('\t/* copy fuse_in_header */', '\treturn copy_header_to_ring(ent, FUSE_URING_HEADER_IN_OUT, &req->in.h,', '\t\t\t\t   sizeof(req->in.h));') }] },
];
