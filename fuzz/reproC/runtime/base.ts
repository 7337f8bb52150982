// C runtime, part 1: includes, little-endian field access through the spec's offsets, events, step failure, time.

export const INCLUDES = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

/* The runtime is shared by every case; a case uses part of it. */
#pragma GCC diagnostic ignored "-Wunused-function"`;

export const BASE = String.raw`
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the spec's layouts are little-endian");

/* A field by its spec offset and width: GET(p, ENT_COMMIT_ID) reads ring_ent_in_out.commit_id at p. */
static uint64_t get_le(const void *p, long off, int w) { uint64_t v = 0; memcpy(&v, (const char *)p + off, (size_t)w); return v; }
static void put_le(void *p, long off, int w, uint64_t v) { memcpy((char *)p + off, &v, (size_t)w); }
#define GET(p, F) get_le((p), F, F##_W)
#define PUT(p, F, v) put_le((p), F, F##_W, (uint64_t)(v))

static double scale = 1;
static long page_size;
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6; }
static void nap_ms(int ms) { struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L}; nanosleep(&t, 0); }
static int scaled(int ms) { return (int)(ms * scale); }

/* What the step observed, one line each, in the words of src/target/trace.ts showEvent. */
static long n_events;
__attribute__((format(printf, 1, 2))) static void event(const char *fmt, ...) {
  va_list a; va_start(a, fmt); fputs("  ", stdout); vprintf(fmt, a); fputc('\n', stdout); va_end(a);
  fflush(stdout); n_events++;
}
/* Anything else worth knowing: not an event of the trace. */
__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...) {
  va_list a; va_start(a, fmt); fputs("# ", stdout); vprintf(fmt, a); fputc('\n', stdout); va_end(a); fflush(stdout);
}

/* A step that cannot go on (the kernel target's KernelError): the message is the step's error, the case stops. */
static jmp_buf *fail_jmp;
static char fail_msg[2048];
__attribute__((noreturn, format(printf, 1, 2))) static void step_fail(const char *fmt, ...) {
  va_list a; va_start(a, fmt); vsnprintf(fail_msg, sizeof fail_msg, fmt, a); va_end(a);
  if (!fail_jmp) { printf("  error: %s\n", fail_msg); exit(1); }
  longjmp(*fail_jmp, 1);
}

static char *xstrdup(const char *s) { char *p = strdup(s); if (!p) abort(); return p; }
static void *xcalloc(size_t n) { void *p = calloc(1, n ? n : 1); if (!p) abort(); return p; }

/* Reads a small /proc file; "" when it is gone. */
static void read_small(const char *path, char *buf, size_t n) {
  buf[0] = 0; int f = open(path, O_RDONLY | O_CLOEXEC); if (f < 0) return;
  ssize_t r = read(f, buf, n - 1); close(f); buf[r > 0 ? r : 0] = 0;
}
/* A task's state letter and wchan (src/kernel/clients.ts taskState). */
static void task_state(int pid, int tid, char *state, char *wchan, size_t wn) {
  char p[96], stat[1024]; snprintf(p, sizeof p, "/proc/%d/task/%d/stat", pid, tid); read_small(p, stat, sizeof stat);
  char *rp = strrchr(stat, ')'); *state = rp && rp[1] && rp[2] ? rp[2] : 'X';
  snprintf(p, sizeof p, "/proc/%d/task/%d/wchan", pid, tid); read_small(p, wchan, wn);
  if (*state == 'X') wchan[0] = 0;
}
`;
