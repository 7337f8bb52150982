/* A race program as data: per-thread step lists the engine (raceVm.h) runs; src/race/programWire.ts mirrors it.
 * Plain C so that the same header goes verbatim into the generated C reproducers. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define RACE_MAGIC 0x65636172u /* "race" */
#define RACE_MAX_THREADS 16
#define RACE_MAX_BARRIERS 64
#define RACE_MAX_FDS 32
#define RACE_MAX_RINGS 8
#define RACE_MAX_SNAPS 64
#define RACE_SNAP_MAX 320
#define RACE_MAX_ROWS 8192
#define RACE_MAX_CQES 4096

/* Operands a, b, c are arena offsets, values or nanoseconds as each op says; `slot` names a ring or an fd. */
enum race_op {
  RACE_END = 0,         /* this thread's program is over: it stays alive until the runner releases it */
  RACE_RING_SETUP = 1,  /* rings[slot] := io_uring_setup(a entries, b flags) and its mappings; res = ring fd */
  RACE_SUBMIT = 2,      /* the ring's SQE size of bytes at arena+a into rings[slot]'s SQ, then io_uring_enter */
  RACE_WAIT_CQE = 3,    /* first unconsumed CQE with user_data a on rings[slot], waiting up to b ns; res = cqe res */
  RACE_COPY = 4,        /* memcpy(arena+a, arena+b, len) */
  RACE_STORE = 5,       /* memcpy(arena+a, imm, len), len <= 16 */
  RACE_JUMP_IF = 6,     /* go to step `target` of this thread when the test holds (flags) */
  RACE_BARRIER = 7,     /* wait until every party of barrier `target` has arrived */
  RACE_SPIN = 8,        /* busy-wait a ns (jitter; b is the bound a reproducer draws from) */
  RACE_SLEEP = 9,       /* nanosleep a ns */
  RACE_CLOSE_RING = 10, /* drain, unmap and close rings[slot] (io_uring's exit work then cancels what it held) */
  RACE_CLOSE_FD = 11,   /* close(fds[slot]) */
  RACE_WRITE_PATH = 12, /* open(path at arena+a, O_WRONLY), write len bytes at arena+b, close; res = write's result */
  RACE_WRITE_FD = 13,   /* write(fds[slot], arena+a, len) */
  RACE_UMOUNT = 14,     /* umount2(path at arena+a, b) */
  RACE_EXIT = 15,       /* this thread exits now: the kernel cancels the io_uring requests it submitted */
  RACE_REAP = 16,       /* waits up to b ns for any CQE on rings[slot] and logs what is there; res = how many */
  RACE_READ_FD = 17,    /* read(fds[slot], arena+a, len) once readable within b ns; res = bytes or -errno */
};

enum race_status { RACE_OK = 0, RACE_TIMEOUT = 1, RACE_CLOSED = 2, RACE_STOPPED = 3 };

#define RACE_F_RECORD 1 /* the step's result goes into the result rows */
#define RACE_F_NOT 2    /* JUMP_IF: jump when the test fails */
#define RACE_F_LAST 4   /* JUMP_IF: test the previous step's res (== b) instead of memory */
#define RACE_F_STOP 8   /* JUMP_IF: test whether the runner asked the threads to stop */
#define RACE_F_STATUS 16 /* JUMP_IF: test the previous step's status (== b) */

/* JUMP_IF without LAST or STOP compares `len` (1..8) little-endian bytes at arena+a with b; len 0 always jumps. */
struct race_step {
  uint16_t op;
  uint16_t flags;
  int16_t slot;
  uint16_t len;
  uint32_t target;
  uint32_t tag;
  uint64_t a, b, c;
  uint8_t imm[16];
  uint64_t reserved;
};

/* A CQE with this user_data gets a copy of arena[off, off+len) taken when it is reaped (the entry's header). */
struct race_snap {
  uint64_t ud;
  uint32_t off;
  uint32_t len;
};

struct race_header {
  uint32_t magic;
  uint32_t nthreads;
  uint32_t nsteps;
  uint32_t nsnaps;
  /* thread t runs steps [start[t], start[t + 1]) */
  uint32_t start[RACE_MAX_THREADS + 1];
  uint32_t parties[RACE_MAX_BARRIERS];
  struct race_snap snaps[RACE_MAX_SNAPS];
};

/* What the engine hands back: one row per recorded step, one record per CQE it reaped. */
struct race_row {
  uint16_t thread;
  uint16_t status;
  uint32_t step;
  uint32_t tag;
  int32_t res;
  int64_t t0, t1;
};

struct race_cqe_rec {
  uint16_t ring;
  uint16_t consumed;
  uint32_t flags;
  uint64_t ud;
  int32_t res;
  int32_t snap_len;
  int64_t t;
  uint8_t snap[RACE_SNAP_MAX];
};

#ifdef __cplusplus
static_assert(sizeof(struct race_step) == 64, "race_step is 64 bytes");
static_assert(offsetof(struct race_step, a) == 16 && offsetof(struct race_step, imm) == 40, "race_step layout");
static_assert(sizeof(struct race_snap) == 16, "race_snap is 16 bytes");
static_assert(sizeof(struct race_header) == 16 + 4 * (RACE_MAX_THREADS + 1) + 4 * RACE_MAX_BARRIERS + 4 + 16 * RACE_MAX_SNAPS, "race_header layout");
#endif
