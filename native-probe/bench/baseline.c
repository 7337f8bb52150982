/* Raw-C baseline for `npm run bench`: the same two jobs as the harness, with no harness in the way.
 * usage: baseline cycles N WARM | baseline requests N WARM [CLIENT_CPU] | baseline reads N WARM [CLIENT_CPU]   (root, in a private
 *        mount namespace; WARM untimed iterations come first; CLIENT_CPU: the client pins itself there, as the harness's does,
 *        while npm run bench places the server)
 * Build: cc -O2 -include bench-spec.h baseline.c, where bench-spec.h (bench/baselineSpec.ts) holds every offset, width,
 * size and UAPI constant below as a #define generated from spec/: this file types none. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 131072
/* A field F of the spec at p: its offset F and width F_W, checked against the C variable at compile time. */
#define PUT(p, F, v) do { __typeof__(v) v_ = (v); _Static_assert(sizeof v_ == F##_W, #F " width"); memcpy((p) + (F), &v_, F##_W); } while (0)
#define GET(p, F, var) do { _Static_assert(sizeof(var) == F##_W, #F " width"); memcpy(&(var), (p) + (F), F##_W); } while (0)
struct ring { int fd; unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask; char *sqes; struct io_uring_cqe *cqes; void *sq; size_t sq_len; size_t sqes_len; };
struct ent { char *hdr; char *payload; };

/* Milliseconds per phase over a cycles job, named as the harness's profile names them (src/kernel/conn.ts). */
static double ph_mount, ph_register, ph_teardown; static long ph_registers;
static double now(void);

static void die(const char *what) { fprintf(stderr, "baseline: %s: %s\n", what, strerror(errno)); exit(1); }

static void ring_setup(struct ring *r) {
  struct io_uring_params p; memset(&p, 0, sizeof p); p.flags = IORING_SETUP_SQE128;
  r->fd = syscall(__NR_io_uring_setup, 64, &p); if (r->fd < 0) die("io_uring_setup");
  r->sq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  size_t sqa = p.sq_off.array + p.sq_entries * sizeof(unsigned); if (sqa > r->sq_len) r->sq_len = sqa;
  r->sq = mmap(0, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  r->sqes_len = p.sq_entries * SQE_SIZEOF;
  r->sqes = mmap(0, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->sq == MAP_FAILED || r->sqes == MAP_FAILED) die("mmap ring");
  char *s = r->sq;
  r->sq_tail = (unsigned *)(s + p.sq_off.tail); r->sq_mask = (unsigned *)(s + p.sq_off.ring_mask); r->sq_array = (unsigned *)(s + p.sq_off.array);
  r->cq_head = (unsigned *)(s + p.cq_off.head); r->cq_tail = (unsigned *)(s + p.cq_off.tail); r->cq_mask = (unsigned *)(s + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(s + p.cq_off.cqes);
}

static void ring_close(struct ring *r) { munmap(r->sqes, r->sqes_len); munmap(r->sq, r->sq_len); close(r->fd); }

static void submit_cmd(struct ring *r, int fusefd, uint32_t op, uint16_t qid, uint64_t commit_id, struct iovec *iov, uint64_t ud) {
  unsigned t = *r->sq_tail, i = t & *r->sq_mask;
  unsigned char *e = (unsigned char *)r->sqes + (size_t)i * SQE_SIZEOF; memset(e, 0, SQE_SIZEOF);
  PUT(e, SQE_OPCODE, (uint8_t)SPEC_IORING_OP_URING_CMD); PUT(e, SQE_FD, fusefd); PUT(e, SQE_CMD_OP, op);
  PUT(e, SQE_ADDR, (uint64_t)(uintptr_t)iov); PUT(e, SQE_LEN, (uint32_t)(iov ? SPEC_FUSE_URING_IOV_SEGS : 0)); PUT(e, SQE_USER_DATA, ud);
  PUT(e + SQE_CMD, CMD_REQ_COMMIT_ID, commit_id); PUT(e + SQE_CMD, CMD_REQ_QID, qid);
  r->sq_array[i] = i; __atomic_store_n(r->sq_tail, t + 1, __ATOMIC_RELEASE);
  if (syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0) < 0) die("io_uring_enter");
}

/* One queue per CPU; nr_cpus() counts at most MAX_Q. */
#define MAX_Q 1024
static int nr_cpus(void) { int n = 0; cpu_set_t s; for (int c = 0; c < MAX_Q; c++) { char p[64]; snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d", c); if (access(p, F_OK) == 0) n++; else break; } (void)s; return n ? n : 1; }

struct conn { struct ring r; int fd; char dir[256]; int nq; struct ent ents[MAX_Q]; struct iovec iov[MAX_Q][2]; };

static void conn_open(struct conn *c) {
  double t0 = now();
  ring_setup(&c->r);
  c->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC); if (c->fd < 0) die("open /dev/fuse");
  /* Mount points under the directory npm run bench made (and removes, even if this process is killed). */
  const char *base = getenv("FURC_BENCH_DIR");
  snprintf(c->dir, sizeof c->dir, "%s/c-XXXXXX", base ? base : "/tmp"); if (!mkdtemp(c->dir)) die("mkdtemp");
  char opts[128]; snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0", c->fd);
  if (mount("furc", c->dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) die("mount");
  static char buf[DEV_READ_SIZE];
  ssize_t n = read(c->fd, buf, sizeof buf); if (n < IN_H_SIZEOF + INIT_IN_MINOR + INIT_IN_MINOR_W) die("read INIT");
  uint64_t unique; GET(buf, IN_H_UNIQUE, unique);
  uint32_t minor; GET(buf + IN_H_SIZEOF, INIT_IN_MINOR, minor);
  unsigned char out[OUT_H_SIZEOF + INIT_OUT_SIZEOF], *body = out + OUT_H_SIZEOF; memset(out, 0, sizeof out);
  uint32_t len = sizeof out, maj = SPEC_FUSE_KERNEL_VERSION, flags = (uint32_t)(SPEC_FUSE_INIT_EXT | SPEC_FUSE_MAX_PAGES);
  uint32_t flags2 = (uint32_t)(SPEC_FUSE_OVER_IO_URING >> 32), mw = MAX_PAYLOAD; uint16_t mp = 32;
  PUT(out, OUT_H_LEN, len); PUT(out, OUT_H_UNIQUE, unique);
  PUT(body, INIT_OUT_MAJOR, maj); PUT(body, INIT_OUT_MINOR, minor); PUT(body, INIT_OUT_FLAGS, flags); PUT(body, INIT_OUT_MAX_WRITE, mw);
  PUT(body, INIT_OUT_MAX_PAGES, mp); PUT(body, INIT_OUT_FLAGS2, flags2);
  if (write(c->fd, out, sizeof out) < 0) die("write INIT reply");
  /* The CPUs are counted once per process, as the harness does (the possible set is fixed at boot). */
  static int nq; if (!nq) nq = nr_cpus();
  c->nq = nq;
  double t1 = now(); ph_mount += (t1 - t0) * 1e3;
  for (int q = 0; q < c->nq; q++) {
    /* An entry's buffers outlive its connection, zeroed at teardown, as the harness keeps its spare regions (regions.ts). */
    static struct ent spare[MAX_Q];
    if (!spare[q].hdr) {
      spare[q].hdr = mmap(0, HDR_SIZEOF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      spare[q].payload = mmap(0, MAX_PAYLOAD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (spare[q].hdr == MAP_FAILED || spare[q].payload == MAP_FAILED) die("mmap entry");
    }
    c->ents[q] = spare[q];
    c->iov[q][0] = (struct iovec){c->ents[q].hdr, HDR_SIZEOF}; c->iov[q][1] = (struct iovec){c->ents[q].payload, MAX_PAYLOAD};
    submit_cmd(&c->r, c->fd, SPEC_CMD_REGISTER, q, 0, c->iov[q], q);
  }
  ph_register += (now() - t1) * 1e3; ph_registers += c->nq;
}

static void conn_close(struct conn *c) {
  double t0 = now();
  ring_close(&c->r); close(c->fd); umount2(c->dir, MNT_DETACH); rmdir(c->dir);
  for (int q = 0; q < c->nq; q++) { madvise(c->ents[q].hdr, HDR_SIZEOF, MADV_DONTNEED); madvise(c->ents[q].payload, MAX_PAYLOAD, MADV_DONTNEED); }
  ph_teardown += (now() - t0) * 1e3;
}


/* Waits for the next CQE; its entry's queue and its fuse_in_header opcode and unique. */
static int next_req(struct conn *c, uint32_t *opcode, uint64_t *unique) {
  while (*c->r.cq_head == __atomic_load_n(c->r.cq_tail, __ATOMIC_ACQUIRE))
    if (syscall(__NR_io_uring_enter, c->r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0 && errno != EINTR) die("wait");
  struct io_uring_cqe *e = &c->r.cqes[*c->r.cq_head & *c->r.cq_mask];
  int q = (int)e->user_data, res = e->res;
  __atomic_store_n(c->r.cq_head, *c->r.cq_head + 1, __ATOMIC_RELEASE);
  if (res < 0) { fprintf(stderr, "baseline: cqe %d\n", res); exit(1); }
  GET(c->ents[q].hdr + HDR_IN_OUT, IN_H_OPCODE, *opcode); GET(c->ents[q].hdr + HDR_IN_OUT, IN_H_UNIQUE, *unique);
  return q;
}

/* Answers with `psz` payload bytes already in the entry's payload buffer. */
static void answer(struct conn *c, int q, uint64_t unique, uint32_t psz) {
  char *h = c->ents[q].hdr; uint32_t len = OUT_H_SIZEOF + psz; int32_t err = 0;
  PUT(h + HDR_IN_OUT, OUT_H_LEN, len); PUT(h + HDR_IN_OUT, OUT_H_ERROR, err); PUT(h + HDR_IN_OUT, OUT_H_UNIQUE, unique); PUT(h + HDR_ENT, ENT_PAYLOAD_SZ, psz);
  submit_cmd(&c->r, c->fd, SPEC_CMD_COMMIT, q, unique, NULL, q);
}

/* The client pins itself where npm run bench asks, as the harness's client does (clientPool.cc). */
static void pin_client(int cpu) { if (cpu < 0) return; cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set); if (sched_setaffinity(0, sizeof set, &set) < 0) _exit(errno); }

/* The data job: a client opens one file (FOPEN_DIRECT_IO) and reads 128 KiB at offset 0 WARM + N times; prints MB/s of the last N. */
static int reads(struct conn *c, long n, long warm, int client_cpu) {
  char path[sizeof c->dir + 8]; snprintf(path, sizeof path, "%s/big", c->dir);
  /* The file's contents: any bytes will do, what counts is that each READ copies them. */
  static char file[MAX_PAYLOAD];
  for (size_t i = 0; i < sizeof file; i++) file[i] = (char)(i * 2654435761u >> 24);
  pid_t pid = fork();
  if (pid == 0) {
    pin_client(client_cpu);
    static char buf[MAX_PAYLOAD];
    int fd = open(path, O_RDONLY | O_CLOEXEC); if (fd < 0) _exit(errno);
    for (long i = 0; i < warm + n; i++) if (pread(fd, buf, MAX_PAYLOAD, 0) != MAX_PAYLOAD) _exit(EIO);
    close(fd); _exit(0);
  }
  long bytes = 0, nread = 0;
  double t0 = now();
  for (;;) {
    uint32_t op; uint64_t unique; int q = next_req(c, &op, &unique);
    char *pl = c->ents[q].payload;
    if (op == SPEC_FUSE_LOOKUP) { /* fuse_entry_out of a 1 MiB regular file, inode 2, valid for a day */
      memset(pl, 0, ENTRY_OUT_SIZEOF); uint64_t ino = 2, valid = 86400, size = 1 << 20; uint32_t mode = 0100644, nlink = 1;
      char *a = pl + ENTRY_OUT_ATTR;
      PUT(pl, ENTRY_OUT_NODEID, ino); PUT(pl, ENTRY_OUT_ENTRY_VALID, valid); PUT(pl, ENTRY_OUT_ATTR_VALID, valid);
      PUT(a, ATTR_INO, ino); PUT(a, ATTR_SIZE, size); PUT(a, ATTR_MODE, mode); PUT(a, ATTR_NLINK, nlink);
      answer(c, q, unique, ENTRY_OUT_SIZEOF);
    } else if (op == SPEC_FUSE_OPEN) { /* fuse_open_out with FOPEN_DIRECT_IO */
      memset(pl, 0, OPEN_OUT_SIZEOF); uint32_t fl = SPEC_FOPEN_DIRECT_IO; PUT(pl, OPEN_OUT_OPEN_FLAGS, fl); answer(c, q, unique, OPEN_OUT_SIZEOF);
    } else if (op == SPEC_FUSE_READ) { /* the file's bytes copied into the payload, as the harness's server copies them; op_in holds fuse_read_in */
      uint32_t size; GET(c->ents[q].hdr + HDR_OP_IN, READ_IN_SIZE, size);
      if (size > MAX_PAYLOAD) size = MAX_PAYLOAD;
      memcpy(pl, file, size); answer(c, q, unique, size);
      if (++nread == warm) t0 = now(); else if (nread > warm) bytes += size;
    } else if (op == SPEC_FUSE_FLUSH || op == SPEC_FUSE_RELEASE) { answer(c, q, unique, 0); if (op == SPEC_FUSE_RELEASE) break; }
    else answer(c, q, unique, 0);
  }
  double secs = now() - t0;
  int status; waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status)) { fprintf(stderr, "baseline: reader failed: %d\n", status); return 1; }
  printf("%.1f\n", bytes / secs / 1e6);
  conn_close(c);
  return 0;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  /* WARM untimed iterations first, as the harness has them (its JavaScript runs in V8's lower tiers at first). */
  if (argc != 4 && !(argc == 5 && strcmp(argv[1], "cycles"))) { fprintf(stderr, "usage: baseline cycles N WARM | requests N WARM [CLIENT_CPU] | reads N WARM [CLIENT_CPU]\n"); return 2; }
  long n = atol(argv[2]), warm = atol(argv[3]);
  int client_cpu = argc == 5 ? atoi(argv[4]) : -1;
  struct conn c;
  if (!strcmp(argv[1], "cycles")) {
    for (long i = 0; i < warm; i++) { conn_open(&c); conn_close(&c); }
    ph_mount = ph_register = ph_teardown = 0; ph_registers = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) { conn_open(&c); conn_close(&c); }
    printf("%.1f\n", n / (now() - t0));
    /* Second line: ms per occurrence of each phase, for npm run bench's profile. */
    printf("mount+INIT+ring=%.4f REGISTER=%.4f teardown=%.4f\n", ph_mount / n, ph_register / ph_registers, ph_teardown / n);
    return 0;
  }
  conn_open(&c);
  if (!strcmp(argv[1], "reads")) return reads(&c, n, warm, client_cpu);
  pid_t pid = fork();
  if (pid == 0) {
    pin_client(client_cpu);
    struct stat st; for (long i = 0; i < warm + n; i++) if (stat(c.dir, &st) < 0) _exit(errno); _exit(0); }
  unsigned char reply[ATTR_OUT_SIZEOF];
  double t0 = now();
  for (long done = 0; done < warm + n;) {
    if (*c.r.cq_head == __atomic_load_n(c.r.cq_tail, __ATOMIC_ACQUIRE))
      if (syscall(__NR_io_uring_enter, c.r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0 && errno != EINTR) die("wait");
    while (*c.r.cq_head != __atomic_load_n(c.r.cq_tail, __ATOMIC_ACQUIRE)) {
      struct io_uring_cqe *e = &c.r.cqes[*c.r.cq_head & *c.r.cq_mask];
      int q = (int)e->user_data; int res = e->res;
      __atomic_store_n(c.r.cq_head, *c.r.cq_head + 1, __ATOMIC_RELEASE);
      if (res < 0) { fprintf(stderr, "baseline: cqe %d\n", res); return 1; }
      char *h = c.ents[q].hdr; uint64_t unique; GET(h + HDR_IN_OUT, IN_H_UNIQUE, unique);
      uint32_t len = OUT_H_SIZEOF + ATTR_OUT_SIZEOF, psz = ATTR_OUT_SIZEOF; int32_t err = 0;
      PUT(h + HDR_IN_OUT, OUT_H_LEN, len); PUT(h + HDR_IN_OUT, OUT_H_ERROR, err); PUT(h + HDR_IN_OUT, OUT_H_UNIQUE, unique); PUT(h + HDR_ENT, ENT_PAYLOAD_SZ, psz);
      memset(reply, 0, sizeof reply); uint32_t mode = 040755, nlink = 2; uint64_t ino = 1;
      PUT(reply + ATTR_OUT_ATTR, ATTR_INO, ino); PUT(reply + ATTR_OUT_ATTR, ATTR_MODE, mode); PUT(reply + ATTR_OUT_ATTR, ATTR_NLINK, nlink);
      memcpy(c.ents[q].payload, reply, sizeof reply);
      submit_cmd(&c.r, c.fd, SPEC_CMD_COMMIT, q, unique, NULL, q);
      if (++done == warm) t0 = now();
    }
  }
  double secs = now() - t0;
  int status; waitpid(pid, &status, 0);
  printf("%.1f\n", n / secs);
  conn_close(&c);
  return 0;
}
