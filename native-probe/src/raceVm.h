/* The race engine: runs each thread's steps (raceProto.h) on its own pthread, against shared rings, fds and an arena.
 * It carries no FUSE knowledge: bytes come from the program, results go back raw. Plain C (also valid C++), so the
 * generated reproducers include this very text. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "raceProto.h"

struct race_ring {
  int fd;
  int closed;
  unsigned sqe_size;
  void *sq_ptr, *cq_ptr, *sqes;
  size_t sq_len, cq_len, sqes_len;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe* cqes;
  pthread_mutex_t mu;
};

enum race_thread_state { RACE_T_NEW = 0, RACE_T_RUNNING = 1, RACE_T_HELD = 2, RACE_T_EXITED = 3 };

struct race_ctx {
  const struct race_header* h;
  const struct race_step* steps;
  uint8_t* arena;
  int fds[RACE_MAX_FDS];
  struct race_ring rings[RACE_MAX_RINGS];
  int stop, release, launched;
  unsigned arrived[RACE_MAX_BARRIERS];
  pthread_t th[RACE_MAX_THREADS];
  int tid[RACE_MAX_THREADS];
  int state[RACE_MAX_THREADS];
  uint32_t pc[RACE_MAX_THREADS];
  pthread_mutex_t log_mu;
  struct race_row* rows;
  unsigned nrows, dropped;
  struct race_cqe_rec* cqes;
  unsigned ncqes;
  pthread_mutex_t rel_mu;
  pthread_cond_t rel_cv;
  int64_t t0;
};

struct race_arg { struct race_ctx* ctx; unsigned t; };

static inline int64_t race_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static inline int race_stopping(struct race_ctx* c) { return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE); }

static int race_sys_enter(int fd, unsigned submit, unsigned wait, unsigned flags, void* arg, size_t argsz) {
  return (int)syscall(__NR_io_uring_enter, fd, submit, wait, flags, arg, argsz);
}

/* Everything the ctx allocates; fds and the arena stay the caller's. */
static int race_init(struct race_ctx* c, const struct race_header* h, const struct race_step* steps, uint8_t* arena, const int* fds, unsigned nfds) {
  unsigned i;
  memset(c, 0, sizeof *c);
  if (h->magic != RACE_MAGIC || h->nthreads == 0 || h->nthreads > RACE_MAX_THREADS || h->nsnaps > RACE_MAX_SNAPS) return -EINVAL;
  if (h->start[h->nthreads] != h->nsteps) return -EINVAL;
  c->h = h; c->steps = steps; c->arena = arena;
  for (i = 0; i < RACE_MAX_FDS; i++) c->fds[i] = i < nfds ? fds[i] : -1;
  for (i = 0; i < RACE_MAX_RINGS; i++) { c->rings[i].fd = -1; pthread_mutex_init(&c->rings[i].mu, NULL); }
  pthread_mutex_init(&c->log_mu, NULL);
  pthread_mutex_init(&c->rel_mu, NULL);
  pthread_cond_init(&c->rel_cv, NULL);
  c->rows = (struct race_row*)calloc(RACE_MAX_ROWS, sizeof *c->rows);
  c->cqes = (struct race_cqe_rec*)calloc(RACE_MAX_CQES, sizeof *c->cqes);
  return c->rows && c->cqes ? 0 : -ENOMEM;
}

static void race_unmap(struct race_ring* r) {
  if (r->sqes) munmap(r->sqes, r->sqes_len);
  if (r->cq_ptr && r->cq_ptr != r->sq_ptr) munmap(r->cq_ptr, r->cq_len);
  if (r->sq_ptr) munmap(r->sq_ptr, r->sq_len);
  if (r->fd >= 0) close(r->fd);
  r->sqes = r->cq_ptr = r->sq_ptr = NULL;
  r->fd = -1;
  r->closed = 1;
}

static int race_ring_setup(struct race_ctx* c, int slot, unsigned entries, unsigned flags) {
  struct io_uring_params p;
  struct race_ring* r;
  char *sq, *cq;
  if (slot < 0 || slot >= RACE_MAX_RINGS) return -EINVAL;
  r = &c->rings[slot];
  memset(&p, 0, sizeof p);
  p.flags = flags;
  pthread_mutex_lock(&r->mu);
  r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (r->fd < 0) { int e = -errno; r->fd = -1; r->closed = 1; pthread_mutex_unlock(&r->mu); return e; }
  r->sqe_size = (p.flags & IORING_SETUP_SQE128) ? 128 : 64;
  r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) r->sq_len = r->cq_len = r->sq_len > r->cq_len ? r->sq_len : r->cq_len;
  r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  r->cq_ptr = (p.features & IORING_FEAT_SINGLE_MMAP) ? r->sq_ptr
            : mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
  r->sqes_len = p.sq_entries * r->sqe_size;
  r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->sq_ptr == MAP_FAILED || r->cq_ptr == MAP_FAILED || r->sqes == MAP_FAILED) {
    int e = -errno;
    if (r->sq_ptr == MAP_FAILED) r->sq_ptr = NULL;
    if (r->cq_ptr == MAP_FAILED) r->cq_ptr = NULL;
    if (r->sqes == MAP_FAILED) r->sqes = NULL;
    race_unmap(r);
    pthread_mutex_unlock(&r->mu);
    return e;
  }
  /* A forked client must not inherit the mappings: they would pin the io_uring file past its close. */
  madvise(r->sq_ptr, r->sq_len, MADV_DONTFORK);
  if (r->cq_ptr != r->sq_ptr) madvise(r->cq_ptr, r->cq_len, MADV_DONTFORK);
  madvise(r->sqes, r->sqes_len, MADV_DONTFORK);
  sq = (char*)r->sq_ptr; cq = (char*)r->cq_ptr;
  r->sq_tail = (unsigned*)(sq + p.sq_off.tail); r->sq_mask = (unsigned*)(sq + p.sq_off.ring_mask); r->sq_array = (unsigned*)(sq + p.sq_off.array);
  r->cq_head = (unsigned*)(cq + p.cq_off.head); r->cq_tail = (unsigned*)(cq + p.cq_off.tail); r->cq_mask = (unsigned*)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
  r->closed = 0;
  pthread_mutex_unlock(&r->mu);
  return r->fd;
}

/* Moves every posted CQE of the ring into the log (with its snapshot); the ring's mutex is held. */
static void race_drain(struct race_ctx* c, int slot) {
  struct race_ring* r = &c->rings[slot];
  unsigned head, i;
  if (r->closed || !r->cq_head) return;
  head = *r->cq_head;
  while (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
    struct io_uring_cqe* e = &r->cqes[head & *r->cq_mask];
    pthread_mutex_lock(&c->log_mu);
    if (c->ncqes < RACE_MAX_CQES) {
      struct race_cqe_rec* rec = &c->cqes[c->ncqes++];
      rec->ring = (uint16_t)slot; rec->ud = e->user_data; rec->res = e->res; rec->flags = e->flags; rec->t = race_now() - c->t0;
      rec->snap_len = 0;
      for (i = 0; i < c->h->nsnaps; i++) {
        const struct race_snap* s = &c->h->snaps[i];
        if (s->ud != e->user_data) continue;
        rec->snap_len = (int32_t)(s->len < RACE_SNAP_MAX ? s->len : RACE_SNAP_MAX);
        memcpy(rec->snap, c->arena + s->off, (size_t)rec->snap_len);
        break;
      }
    } else c->dropped++;
    pthread_mutex_unlock(&c->log_mu);
    head++;
  }
  __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
}

static void race_ring_close(struct race_ctx* c, int slot) {
  struct race_ring* r = &c->rings[slot];
  pthread_mutex_lock(&r->mu);
  race_drain(c, slot);
  if (!r->closed) race_unmap(r);
  pthread_mutex_unlock(&r->mu);
}

/* The whole copy-and-enter runs under the ring's mutex, so the thread that wrote an SQE is the task that issues it. */
static int race_submit(struct race_ctx* c, int slot, const uint8_t* sqe, uint16_t* status) {
  struct race_ring* r;
  unsigned tail, idx;
  int n;
  if (slot < 0 || slot >= RACE_MAX_RINGS) return -EINVAL;
  r = &c->rings[slot];
  pthread_mutex_lock(&r->mu);
  if (r->closed || r->fd < 0) { pthread_mutex_unlock(&r->mu); *status = RACE_CLOSED; return -EBADF; }
  tail = __atomic_load_n(r->sq_tail, __ATOMIC_ACQUIRE);
  idx = tail & *r->sq_mask;
  memcpy((char*)r->sqes + (size_t)idx * r->sqe_size, sqe, r->sqe_size);
  r->sq_array[idx] = idx;
  __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
  n = race_sys_enter(r->fd, 1, 0, 0, NULL, 0);
  if (n < 0) n = -errno;
  race_drain(c, slot);
  pthread_mutex_unlock(&r->mu);
  return n;
}

static int race_take(struct race_ctx* c, int slot, uint64_t ud, int32_t* res) {
  unsigned i;
  int found = 0;
  pthread_mutex_lock(&c->log_mu);
  for (i = 0; i < c->ncqes; i++) {
    struct race_cqe_rec* rec = &c->cqes[i];
    if (rec->ring != slot || rec->ud != ud || rec->consumed) continue;
    rec->consumed = 1; *res = rec->res; found = 1;
    break;
  }
  pthread_mutex_unlock(&c->log_mu);
  return found;
}

/* Waits in slices of at most 1 ms so that a stop request or a ring closed by another thread is seen promptly. */
static int race_wait_slice(struct race_ctx* c, int slot, int64_t left) {
  struct race_ring* r = &c->rings[slot];
  struct __kernel_timespec ts;
  struct io_uring_getevents_arg arg;
  int fd;
  int64_t slice = left < 1000000 ? left : 1000000;
  pthread_mutex_lock(&r->mu);
  race_drain(c, slot);
  fd = r->closed ? -1 : r->fd;
  pthread_mutex_unlock(&r->mu);
  if (fd < 0) return -EBADF;
  if (slice <= 0) return 0;
  ts.tv_sec = 0; ts.tv_nsec = slice;
  memset(&arg, 0, sizeof arg);
  arg.ts = (uint64_t)(uintptr_t)&ts;
  race_sys_enter(fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
  pthread_mutex_lock(&r->mu);
  race_drain(c, slot);
  pthread_mutex_unlock(&r->mu);
  return 0;
}

static int32_t race_wait_cqe(struct race_ctx* c, int slot, uint64_t ud, int64_t timeout, uint16_t* status) {
  int64_t until = race_now() + timeout;
  int32_t res = 0;
  if (slot < 0 || slot >= RACE_MAX_RINGS) { *status = RACE_CLOSED; return -EINVAL; }
  for (;;) {
    if (race_take(c, slot, ud, &res)) return res;
    if (race_stopping(c)) { *status = RACE_STOPPED; return 0; }
    if (race_now() >= until) { *status = RACE_TIMEOUT; return 0; }
    if (race_wait_slice(c, slot, until - race_now()) < 0) {
      if (race_take(c, slot, ud, &res)) return res;
      *status = RACE_CLOSED;
      return -EBADF;
    }
  }
}

/* Logs whatever CQEs arrive on the ring within timeout ns (the runner gathering a teardown's completions). */
static int race_reap(struct race_ctx* c, int slot, int64_t timeout) {
  unsigned before;
  int64_t until = race_now() + timeout;
  if (slot < 0 || slot >= RACE_MAX_RINGS) return -EINVAL;
  pthread_mutex_lock(&c->log_mu);
  before = c->ncqes;
  pthread_mutex_unlock(&c->log_mu);
  for (;;) {
    unsigned now;
    if (race_wait_slice(c, slot, until - race_now()) < 0) return -EBADF;
    pthread_mutex_lock(&c->log_mu);
    now = c->ncqes;
    pthread_mutex_unlock(&c->log_mu);
    if (now != before || race_now() >= until) return (int)(now - before);
  }
}

static void race_spin_until(struct race_ctx* c, int64_t until) {
  while (race_now() < until && !race_stopping(c)) { }
}

static uint16_t race_barrier(struct race_ctx* c, uint32_t id) {
  unsigned spins = 0;
  if (id >= RACE_MAX_BARRIERS) return RACE_CLOSED;
  __atomic_add_fetch(&c->arrived[id], 1, __ATOMIC_ACQ_REL);
  while (__atomic_load_n(&c->arrived[id], __ATOMIC_ACQUIRE) < c->h->parties[id]) {
    if (race_stopping(c)) return RACE_STOPPED;
    /* Spin first (the release is what the race is about), then yield: there may be more threads than CPUs. */
    if (++spins > 2000) sched_yield();
  }
  return RACE_OK;
}

static int race_test(struct race_ctx* c, const struct race_step* s, int32_t last, uint16_t last_status) {
  uint64_t v = 0;
  if (s->flags & RACE_F_STOP) return race_stopping(c);
  if (s->flags & RACE_F_STATUS) return last_status == s->b;
  if (s->flags & RACE_F_LAST) return (int64_t)last == (int64_t)s->b;
  if (s->len == 0) return 1;
  memcpy(&v, c->arena + s->a, s->len > 8 ? 8 : s->len);
  if (s->len < 8) return v == (s->b & ((1ULL << (8 * s->len)) - 1));
  return v == s->b;
}

static void race_record(struct race_ctx* c, unsigned t, uint32_t i, const struct race_step* s, uint16_t status, int32_t res, int64_t t0, int64_t t1) {
  struct race_row* row;
  pthread_mutex_lock(&c->log_mu);
  if (c->nrows < RACE_MAX_ROWS) {
    row = &c->rows[c->nrows++];
    row->thread = (uint16_t)t; row->status = status; row->step = i; row->tag = s->tag; row->res = res; row->t0 = t0; row->t1 = t1;
  } else c->dropped++;
  pthread_mutex_unlock(&c->log_mu);
}

/* Runs step i of thread t; returns the next step index, or UINT32_MAX when the thread is to exit now. */
static uint32_t race_step_run(struct race_ctx* c, unsigned t, uint32_t i, int32_t* last, uint16_t* last_status) {
  const struct race_step* s = &c->steps[i];
  uint16_t status = RACE_OK;
  int32_t res = 0;
  int64_t t0 = race_now() - c->t0;
  uint32_t next = i + 1;
  switch (s->op) {
    case RACE_RING_SETUP: res = race_ring_setup(c, s->slot, (unsigned)s->a, (unsigned)s->b); break;
    case RACE_SUBMIT: res = race_submit(c, s->slot, c->arena + s->a, &status); break;
    case RACE_WAIT_CQE: res = race_wait_cqe(c, s->slot, s->a, (int64_t)s->b, &status); break;
    case RACE_REAP: res = race_reap(c, s->slot, (int64_t)s->b); break;
    case RACE_COPY: memmove(c->arena + s->a, c->arena + s->b, s->len); break;
    case RACE_STORE: memcpy(c->arena + s->a, s->imm, s->len > 16 ? 16 : s->len); break;
    case RACE_JUMP_IF: {
      int hit = race_test(c, s, *last, *last_status);
      if ((s->flags & RACE_F_NOT) ? !hit : hit) next = c->h->start[t] + s->target;
      break;
    }
    case RACE_BARRIER: status = race_barrier(c, s->target); break;
    case RACE_SPIN: race_spin_until(c, race_now() + (int64_t)s->a); break;
    case RACE_SLEEP: {
      struct timespec ts;
      ts.tv_sec = (time_t)(s->a / 1000000000ULL); ts.tv_nsec = (long)(s->a % 1000000000ULL);
      nanosleep(&ts, NULL);
      break;
    }
    case RACE_CLOSE_RING: if (s->slot >= 0 && s->slot < RACE_MAX_RINGS) race_ring_close(c, s->slot); break;
    case RACE_CLOSE_FD:
      if (s->slot < 0 || s->slot >= RACE_MAX_FDS || c->fds[s->slot] < 0) { status = RACE_CLOSED; res = -EBADF; break; }
      res = close(c->fds[s->slot]) < 0 ? -errno : 0;
      c->fds[s->slot] = -1;
      break;
    case RACE_WRITE_PATH: {
      int fd = open((const char*)(c->arena + s->a), O_WRONLY | O_CLOEXEC);
      if (fd < 0) { res = -errno; break; }
      res = (int32_t)write(fd, c->arena + s->b, s->len);
      if (res < 0) res = -errno;
      close(fd);
      break;
    }
    case RACE_WRITE_FD:
      if (s->slot < 0 || s->slot >= RACE_MAX_FDS || c->fds[s->slot] < 0) { status = RACE_CLOSED; res = -EBADF; break; }
      res = (int32_t)write(c->fds[s->slot], c->arena + s->a, s->len);
      if (res < 0) res = -errno;
      break;
    case RACE_READ_FD: {
      struct pollfd p;
      if (s->slot < 0 || s->slot >= RACE_MAX_FDS || c->fds[s->slot] < 0) { status = RACE_CLOSED; res = -EBADF; break; }
      p.fd = c->fds[s->slot]; p.events = POLLIN; p.revents = 0;
      res = poll(&p, 1, (int)(s->b / 1000000ULL));
      if (res == 0) { status = RACE_TIMEOUT; res = -ETIMEDOUT; break; }
      res = res < 0 ? -errno : (int32_t)read(c->fds[s->slot], c->arena + s->a, s->len);
      if (res < 0) res = -errno;
      break;
    }
    case RACE_UMOUNT: res = umount2((const char*)(c->arena + s->a), (int)s->b) < 0 ? -errno : 0; break;
    case RACE_EXIT: next = UINT32_MAX; break;
    default: res = -EINVAL; status = RACE_CLOSED; break;
  }
  if (s->flags & RACE_F_RECORD) race_record(c, t, i, s, status, res, t0, race_now() - c->t0);
  if (s->op != RACE_JUMP_IF) { *last = res; *last_status = status; }
  return next;
}

static void* race_thread(void* p) {
  struct race_arg* a = (struct race_arg*)p;
  struct race_ctx* c = a->ctx;
  unsigned t = a->t;
  uint32_t i = c->h->start[t], end = c->h->start[t + 1];
  int32_t last = 0;
  uint16_t last_status = RACE_OK;
  sigset_t all;
  /* A signal meant for the process (a client's SIGCHLD) must not end one of this thread's syscalls early. */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  /* Named, so a runner can tell its threads from io_uring's io-wq workers and from the runtime's own. */
  pthread_setname_np(pthread_self(), "furc-race");
  __atomic_store_n(&c->tid[t], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
  __atomic_store_n(&c->state[t], RACE_T_RUNNING, __ATOMIC_RELEASE);
  while (i < end && c->steps[i].op != RACE_END) {
    __atomic_store_n(&c->pc[t], i, __ATOMIC_RELEASE);
    i = race_step_run(c, t, i, &last, &last_status);
    if (i == UINT32_MAX) { __atomic_store_n(&c->state[t], RACE_T_EXITED, __ATOMIC_RELEASE); free(a); return NULL; }
  }
  __atomic_store_n(&c->pc[t], i, __ATOMIC_RELEASE);
  /* Held alive: the kernel cancels a task's io_uring requests when it exits, which only a RACE_EXIT step may cause. */
  pthread_mutex_lock(&c->rel_mu);
  __atomic_store_n(&c->state[t], RACE_T_HELD, __ATOMIC_RELEASE);
  while (!c->release) pthread_cond_wait(&c->rel_cv, &c->rel_mu);
  pthread_mutex_unlock(&c->rel_mu);
  __atomic_store_n(&c->state[t], RACE_T_EXITED, __ATOMIC_RELEASE);
  free(a);
  return NULL;
}

static int race_launch(struct race_ctx* c) {
  unsigned t;
  c->t0 = race_now();
  for (t = 0; t < c->h->nthreads; t++) {
    struct race_arg* a = (struct race_arg*)malloc(sizeof *a);
    int e;
    if (!a) return -ENOMEM;
    a->ctx = c; a->t = t;
    e = pthread_create(&c->th[t], NULL, race_thread, a);
    if (e) { free(a); return -e; }
    c->launched = (int)t + 1;
  }
  return 0;
}

/* Threads that have neither reached END nor exited. */
static unsigned race_unfinished(struct race_ctx* c) {
  unsigned t, n = 0;
  for (t = 0; t < (unsigned)c->launched; t++) {
    int s = __atomic_load_n(&c->state[t], __ATOMIC_ACQUIRE);
    if (s != RACE_T_HELD && s != RACE_T_EXITED) n++;
  }
  return n;
}

static unsigned race_wait(struct race_ctx* c, int64_t timeout) {
  int64_t until = race_now() + timeout;
  for (;;) {
    unsigned n = race_unfinished(c);
    struct timespec ts = {0, 200000};
    if (n == 0 || race_now() >= until) return n;
    nanosleep(&ts, NULL);
  }
}

/* Closes the rings still open, releases the held threads and joins them; returns how many could not be joined. */
static unsigned race_finish(struct race_ctx* c, int64_t timeout) {
  unsigned t, stuck = 0, r;
  int64_t until = race_now() + timeout;
  for (r = 0; r < RACE_MAX_RINGS; r++) if (c->rings[r].fd >= 0 && !c->rings[r].closed) race_ring_close(c, (int)r);
  pthread_mutex_lock(&c->rel_mu);
  c->release = 1;
  pthread_cond_broadcast(&c->rel_cv);
  pthread_mutex_unlock(&c->rel_mu);
  for (t = 0; t < (unsigned)c->launched; t++) {
    struct timespec ts;
    int64_t left = until - race_now();
    if (left < 0) left = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(left / 1000000000LL);
    ts.tv_nsec += (long)(left % 1000000000LL);
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    if (pthread_timedjoin_np(c->th[t], NULL, &ts) != 0) stuck++;
  }
  return stuck;
}

static void race_free(struct race_ctx* c) {
  free(c->rows);
  free(c->cqes);
  c->rows = NULL;
  c->cqes = NULL;
}
