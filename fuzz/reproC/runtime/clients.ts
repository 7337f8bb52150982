// C runtime, part 4: client processes like native-probe/src/clientPool.cc and src/kernel/clients.ts: persistent forked
// children, one op at a time over a socketpair, pinned to the op's CPU, one open file each, pattern-filled/checked data.

export const CLIENTS = String.raw`
enum { V_STAT = 1, V_OPEN, V_READ, V_WRITE, V_FSYNC, V_CLOSE, V_UMOUNT, V_RESET };
struct cop { uint32_t verb; int32_t cpu; uint32_t flags, mode; uint64_t seed, size; int64_t offset; char path[472]; };
struct cres { int64_t res; int32_t err, pad; int64_t mismatch; };

/* Child side: only syscalls and its own memory; it never returns. */
__attribute__((noreturn)) static void client_loop(int sock) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int s = 1; s < 65; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, 0);
  /* Page-aligned data buffer; the pattern table came with fork. */
  unsigned char *data = mmap(0, DATA_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) _exit(111);
  int fd = -1;
  struct cop op;
  for (;;) {
    ssize_t n = read(sock, &op, sizeof op);
    if (n != (ssize_t)sizeof op) _exit(n == 0 ? 0 : 112);
    if (op.cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(op.cpu, &set); sched_setaffinity(0, sizeof set, &set); }
    op.path[sizeof op.path - 1] = 0;
    struct cres r = {0, 0, 0, -1};
    size_t size = op.size > DATA_MAX ? DATA_MAX : (size_t)op.size;
    struct stat st;
    switch (op.verb) {
      case V_STAT: r.res = stat(op.path, &st); break;
      case V_OPEN:
        if (fd >= 0) close(fd);
        fd = open(op.path, (int)op.flags | O_CLOEXEC, op.mode);
        r.res = fd < 0 ? -1 : 0;
        break;
      case V_READ: {
        /* The file position the bytes come from: the pattern is a function of the file offset. */
        uint64_t base = op.offset >= 0 ? (uint64_t)op.offset : (uint64_t)lseek(fd, 0, SEEK_CUR);
        /* Every byte starts as the pattern's complement, so a read that leaves the buffer alone cannot pass as data. */
        for (size_t i = 0; i < size; i++) data[i] = (unsigned char)~pat(op.seed, base + i);
        r.res = op.offset < 0 ? read(fd, data, size) : pread(fd, data, size, op.offset);
        if (r.res > 0) r.mismatch = first_mismatch(op.seed, base, data, (size_t)r.res);
        break;
      }
      case V_WRITE: {
        uint64_t base = op.offset >= 0 ? (uint64_t)op.offset : (uint64_t)lseek(fd, 0, SEEK_CUR);
        for (size_t i = 0; i < size; i++) data[i] = pat(op.seed, base + i);
        r.res = op.offset < 0 ? write(fd, data, size) : pwrite(fd, data, size, op.offset);
        break;
      }
      case V_FSYNC: r.res = fsync(fd); break;
      case V_CLOSE: r.res = close(fd); fd = -1; break;
      case V_UMOUNT: r.res = umount2(op.path, MNT_DETACH); break;
      case V_RESET: if (fd >= 0) close(fd); fd = -1; break;
      default: r.res = -1; errno = ENOSYS;
    }
    if (r.res < 0) r.err = errno;
    if (write(sock, &r, sizeof r) != (ssize_t)sizeof r) _exit(113);
  }
}

/* The pool (ClientPool): slot -> process; busy while an op is out. Each step's op also has a tag (the kernel
 * target's ops map) and the file it opened (its pattern seed). */
struct client { pid_t pid; int fd, busy, has_op, op, used; long seq; char tag[64]; char open_file[1024]; };
static struct client clients[256];
static int nclients;

static void client_spawn(int slot) {
  int sv[2];
  fflush(stdout); fflush(stderr);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) step_fail("socketpair for a client failed: %d", -errno);
  pid_t pid = fork();
  if (pid < 0) step_fail("fork of a client failed: %d", -errno);
  if (pid == 0) {
    /* Nothing of the server's may stay open in a client: a held /dev/fuse or ring fd would keep a connection alive. */
    int keep = sv[1];
    if (keep != 3) { dup2(keep, 3); keep = 3; }
    syscall(SYS_close_range, 4, ~0U, 0);
    client_loop(keep);
  }
  close(sv[1]);
  struct client *c = &clients[slot];
  c->pid = pid; c->fd = sv[0]; c->busy = 0; c->has_op = 0;
}
static void clients_grow(int n) {
  for (int i = 0; i < n; i++) { if (nclients >= (int)(sizeof clients / sizeof clients[0])) step_fail("too many clients"); client_spawn(nclients++); }
}
/* The lowest idle slot, growing the pool when every client is busy (ClientPool.idle). */
static int pool_idle(void) {
  for (int i = 0; i < nclients; i++) if (!clients[i].busy) return i;
  clients_grow(nclients > 2 ? nclients : 2);
  return pool_idle();
}
static int pool_busy(int slot) { return slot < nclients && clients[slot].busy; }
static void pool_submit(int slot, uint32_t verb, int cpu, const char *path, uint32_t flags, uint32_t mode, uint64_t seed, uint64_t size, int64_t offset) {
  while (nclients <= slot) clients_grow(1);
  struct client *c = &clients[slot];
  if (c->busy) step_fail("client %d is still busy with its previous op", slot);
  struct cop op; memset(&op, 0, sizeof op);
  op.verb = verb; op.cpu = cpu; op.flags = flags; op.mode = mode; op.seed = seed; op.size = size; op.offset = offset;
  if (path) { if (strlen(path) >= sizeof op.path) step_fail("client path of %zu bytes does not fit in %zu", strlen(path), sizeof op.path); strcpy(op.path, path); }
  ssize_t n = write(c->fd, &op, sizeof op);
  if (n != (ssize_t)sizeof op) step_fail("client %d (pid %d) did not take its op: %zd", slot, c->pid, n < 0 ? -errno : n);
  c->busy = 1;
}
/* Answers that have arrived, without waiting: slots and results (res, or -errno; mismatch of a read). */
static int pool_poll(int *slots, long *res, long *mismatch) {
  int got = 0;
  for (int i = 0; i < nclients; i++) {
    struct client *c = &clients[i];
    if (!c->busy) continue;
    struct pollfd p = {c->fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) continue;
    struct cres r;
    ssize_t n = read(c->fd, &r, sizeof r);
    if (n < 0) { if (errno == EINTR) continue; step_fail("client %d (pid %d) socket: %d", i, c->pid, -errno); }
    if (n == 0) {
      int st = 0; pid_t w = waitpid(c->pid, &st, WNOHANG);
      step_fail("client %d (pid %d) died (status %d)", i, c->pid, w == 0 ? -1000 : w < 0 ? -1001 : WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
    }
    c->busy = 0;
    slots[got] = i; res[got] = r.res < 0 ? -(long)r.err : (long)r.res; mismatch[got] = (long)r.mismatch; got++;
  }
  return got;
}
/* Kills one client stuck past its deadline and starts a fresh one in its place. */
static void client_replace(int slot) {
  struct client *c = &clients[slot];
  kill(c->pid, SIGKILL); close(c->fd); waitpid(c->pid, 0, 0);
  client_spawn(slot);
}
static void clients_kill_all(void) {
  for (int i = 0; i < nclients; i++) { kill(clients[i].pid, SIGKILL); close(clients[i].fd); waitpid(clients[i].pid, 0, 0); }
  nclients = 0;
}

/* client_done events for step ops that answered (pollClients); returns how many answers arrived in all. */
static int poll_clients(int *slots, long *res) {
  long mm[256];
  int n = pool_poll(slots, res, mm);
  char b[32];
  for (int k = 0; k < n; k++) {
    struct client *c = &clients[slots[k]];
    if (!c->has_op) continue;
    c->has_op = 0;
    if (c->op == V_READ && res[k] > 0) {
      char d[48]; if (mm[k] < 0) strcpy(d, "ok"); else snprintf(d, sizeof d, "mismatch@%ld", mm[k]);
      event("client_done %s %s data=%s", c->tag, errno_name(res[k], b), d);
    } else event("client_done %s %s", c->tag, errno_name(res[k], b));
  }
  return n;
}
`;
