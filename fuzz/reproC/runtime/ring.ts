// C runtime, part 5: the io_uring (native-probe/src/ring.cc): setup, one SQE per submit with the sleeping-submission
// watch (an alarm instead of the addon's wchan watch), reaping, the NOP fence, close.

export const RING = String.raw`
static int ring_fd = -1, ring_exited = 1, sqe_bytes;
static void *sq_ptr, *cq_ptr, *sqes_ptr; static size_t sq_len, cq_len, sqes_len;
static unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static char *cqes;
static uint64_t next_ud = 1;

static int ring_setup(unsigned entries, unsigned flags) {
  struct io_uring_params p; memset(&p, 0, sizeof p); p.flags = flags;
  int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (fd < 0) return -errno;
  /* SQE128: the spec's 128-byte URING_CMD view; otherwise struct io_uring_sqe's 64 bytes. */
  sqe_bytes = (p.flags & SPEC_IORING_SETUP_SQE128) ? SQE_SIZEOF : (int)sizeof(struct io_uring_sqe);
  sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  cq_len = p.cq_off.cqes + p.cq_entries * CQE_SIZEOF;
  if (p.features & IORING_FEAT_SINGLE_MMAP) sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
  sq_ptr = mmap(0, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  cq_ptr = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq_ptr : mmap(0, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  sqes_len = p.sq_entries * (size_t)sqe_bytes;
  sqes_ptr = mmap(0, sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sq_ptr == MAP_FAILED || cq_ptr == MAP_FAILED || sqes_ptr == MAP_FAILED) { int e = errno; close(fd); return -e; }
  /* Forked clients must not inherit the ring: their mapping would pin the io_uring file. */
  madvise(sq_ptr, sq_len, MADV_DONTFORK); if (cq_ptr != sq_ptr) madvise(cq_ptr, cq_len, MADV_DONTFORK); madvise(sqes_ptr, sqes_len, MADV_DONTFORK);
  char *sq = sq_ptr, *cq = cq_ptr;
  sq_tail = (unsigned *)(sq + p.sq_off.tail); sq_mask = (unsigned *)(sq + p.sq_off.ring_mask); sq_array = (unsigned *)(sq + p.sq_off.array);
  cq_head = (unsigned *)(cq + p.cq_off.head); cq_tail = (unsigned *)(cq + p.cq_off.tail); cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  cqes = cq + p.cq_off.cqes;
  ring_fd = fd; ring_exited = 0;
  return fd;
}
/* Unmaps and closes: the ring's pending commands are cancelled in io_uring's exit work. */
static void ring_close(void) {
  munmap(sqes_ptr, sqes_len); if (cq_ptr != sq_ptr) munmap(cq_ptr, cq_len); munmap(sq_ptr, sq_len);
  close(ring_fd); ring_fd = -1;
}

/* A submission asleep in the kernel is ended by a signal whose handler does nothing (no SA_RESTART): the command then
 * completes with the wait's error. The harness looks at the submitter's wchan after 5 ms; this uses alarm(). */
static volatile sig_atomic_t alarm_fired;
static void on_alarm(int sig) { (void)sig; alarm_fired = 1; }

/* Copies the SQE_SIZEOF bytes of a command into the next SQE (the first 64 on a ring without SQE128) and enters. */
static int ring_submit(const unsigned char *sqe, int watched, int *blocked) {
  unsigned tail = __atomic_load_n(sq_tail, __ATOMIC_ACQUIRE), idx = tail & *sq_mask;
  char *slot = (char *)sqes_ptr + (size_t)idx * (size_t)sqe_bytes;
  memset(slot, 0, (size_t)sqe_bytes); memcpy(slot, sqe, (size_t)(sqe_bytes < SQE_SIZEOF ? sqe_bytes : SQE_SIZEOF));
  sq_array[idx] = idx;
  __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
  alarm_fired = 0;
  if (watched) alarm(1);
  int n = (int)syscall(__NR_io_uring_enter, ring_fd, 1, 0, 0, 0, 0), e = errno;
  if (watched) alarm(0);
  *blocked = watched && alarm_fired;
  return n < 0 ? -e : n;
}

static void handle_cqe(uint64_t ud, int32_t res, uint32_t flags);
/* Takes every CQE there is, waiting up to wait_ms for the first. */
static void reap(int wait_ms) {
  if (ring_exited) return;
  if (wait_ms > 0 && __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
    struct __kernel_timespec ts = {wait_ms / 1000, (long long)(wait_ms % 1000) * 1000000};
    struct io_uring_getevents_arg arg; memset(&arg, 0, sizeof arg); arg.ts = (uint64_t)(uintptr_t)&ts;
    syscall(__NR_io_uring_enter, ring_fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
  }
  for (;;) {
    unsigned head = *cq_head;
    if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) return;
    const char *c = cqes + (size_t)(head & *cq_mask) * CQE_SIZEOF;
    uint64_t ud = GET(c, CQE_USER_DATA); int32_t res = (int32_t)GET(c, CQE_RES); uint32_t fl = (uint32_t)GET(c, CQE_FLAGS);
    __atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
    handle_cqe(ud, res, fl);
  }
}

/* SQEs are issued in order and inline failures complete during submission: once a NOP submitted after a command
 * completes, the command's immediate result (if any) has been posted. */
static uint64_t fenced[64]; static int nfenced;
static void fence(void) {
  unsigned char nop[sizeof T_NOP]; memcpy(nop, T_NOP, sizeof nop);
  uint64_t ud = FENCE_BIT | next_ud++;
  PUT(nop, SQE_USER_DATA, ud);
  int blocked;
  if (ring_submit(nop, 0, &blocked) < 0) step_fail("NOP fence not submitted");
  double deadline = now_ms() + scaled(DEADLINE_FENCE);
  for (;;) {
    for (int i = 0; i < nfenced; i++) if (fenced[i] == ud) { fenced[i] = fenced[--nfenced]; return; }
    if (now_ms() > deadline) step_fail("NOP fence not completed within %d ms", scaled(DEADLINE_FENCE));
    reap(5);
  }
}
`;
