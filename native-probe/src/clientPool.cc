// Pre-started client processes: forked once per worker, each takes one op at a time over a socket and answers.
// Forking per client op cost a process creation per step; a pool costs two small messages.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clientProto.h"
#include "deadline.h"
#include "guards.h"
#include "verbs.h"

namespace {
constexpr size_t DATA_MAX = 8u << 20;
constexpr int HANDLES = 8;

void fillPattern(uint8_t* table) {
  uint32_t x = 0x9E3779B9u;
  for (uint32_t i = 0; i < PATTERN_LEN; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; table[i] = (uint8_t)(x >> 24); }
}

inline uint8_t patternAt(const uint8_t* table, uint32_t seed, uint64_t off) {
  return table[(off + (uint64_t)seed * 7919u) % PATTERN_LEN];
}

// Child side: only syscalls and its own memory; it never returns.
[[noreturn]] void clientLoop(int sock) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Signals the worker installed for itself mean nothing here.
  for (int s = 1; s < 65; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  uint8_t* table = (uint8_t*)mmap(nullptr, PATTERN_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t* data = (uint8_t*)mmap(nullptr, DATA_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (table == MAP_FAILED || data == MAP_FAILED) _exit(111);
  fillPattern(table);
  int fds[HANDLES];
  for (int& f : fds) f = -1;
  ClientOp op;
  for (;;) {
    ssize_t n = read(sock, &op, sizeof op);
    if (n != (ssize_t)sizeof op) _exit(n == 0 ? 0 : 112);
    if (op.cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(op.cpu, &set); sched_setaffinity(0, sizeof set, &set); }
    op.path[sizeof op.path - 1] = 0;
    ClientResult r = {0, 0, 0, -1};
    int h = op.handle >= 0 && op.handle < HANDLES ? op.handle : 0;
    size_t size = op.size > DATA_MAX ? DATA_MAX : (size_t)op.size;
    struct stat st;
    switch (op.verb) {
      case CLIENT_STAT: r.res = stat(op.path, &st); break;
      case CLIENT_OPEN:
        if (fds[h] >= 0) close(fds[h]);
        fds[h] = open(op.path, (int)op.flags | O_CLOEXEC, op.mode);
        r.res = fds[h] < 0 ? -1 : 0;
        break;
      case CLIENT_READ: {
        // The file position the bytes come from: the pattern is a function of the file offset.
        uint64_t base = op.offset >= 0 ? (uint64_t)op.offset : (uint64_t)lseek(fds[h], 0, SEEK_CUR);
        // Every byte starts as the pattern's complement, so a read that leaves the buffer alone cannot pass as data.
        for (size_t i = 0; i < size; i++) data[i] = (uint8_t)~patternAt(table, op.seed, base + i);
        r.res = op.offset < 0 ? read(fds[h], data, size) : pread(fds[h], data, size, op.offset);
        if (r.res > 0) {
          for (int64_t i = 0; i < r.res; i++) if (data[i] != patternAt(table, op.seed, base + i)) { r.mismatch = i; break; }
        }
        break;
      }
      case CLIENT_WRITE: {
        uint64_t base = op.offset >= 0 ? (uint64_t)op.offset : (uint64_t)lseek(fds[h], 0, SEEK_CUR);
        for (size_t i = 0; i < size; i++) data[i] = patternAt(table, op.seed, base + i);
        r.res = op.offset < 0 ? write(fds[h], data, size) : pwrite(fds[h], data, size, op.offset);
        break;
      }
      case CLIENT_FSYNC: r.res = fsync(fds[h]); break;
      case CLIENT_CLOSE: r.res = close(fds[h]); fds[h] = -1; break;
      case CLIENT_UMOUNT: r.res = umount2(op.path, MNT_DETACH); break;
      case CLIENT_STATLOOP:
        for (uint64_t i = 0; i < op.size && r.res == 0; i++) r.res = stat(op.path, &st);
        break;
      case CLIENT_READLOOP: {
        int fd = open(op.path, O_RDONLY | O_CLOEXEC);
        r.res = fd < 0 ? -1 : 0;
        for (uint32_t i = 0; fd >= 0 && i < op.mode; i++) {
          ssize_t n = pread(fd, data, size, 0);
          if (n < 0) { r.res = -1; break; }
          r.res += n;
        }
        if (fd >= 0) { int e = errno; close(fd); errno = e; }
        break;
      }
      case CLIENT_RESET:
        for (int& f : fds) { if (f >= 0) close(f); f = -1; }
        break;
      default: r.res = -1; errno = ENOSYS;
    }
    if (r.res < 0) r.err = errno;
    if (write(sock, &r, sizeof r) != (ssize_t)sizeof r) _exit(113);
  }
}
}  // namespace

// clientPool(n) → [[pid, fd], …]: n client processes forked now (call it before any ring or mount exists), or -errno.
Napi::Value JS_clientPool(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "n");
  Napi::Env env = info.Env();
  int n = info[0].As<Napi::Number>().Int32Value();
  Napi::Array out = Napi::Array::New(env);
  for (int i = 0; i < n; i++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return Napi::Number::New(env, -errno);
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(sv[0]); close(sv[1]); return Napi::Number::New(env, -e); }
    if (pid == 0) {
      // Nothing of the worker's may stay open in a client: a held /dev/fuse or ring fd would keep a connection alive.
      int keep = sv[1];
      if (keep != 3) { dup2(keep, 3); keep = 3; }
      syscall(SYS_close_range, 4, ~0U, 0);
      fcntl(keep, F_SETFD, 0);
      clientLoop(keep);
    }
    close(sv[1]);
    Napi::Array row = Napi::Array::New(env, 2);
    row.Set(0u, Napi::Number::New(env, pid));
    row.Set(1u, Napi::Number::New(env, sv[0]));
    out.Set((uint32_t)i, row);
  }
  return out;
}

// childExit(pid, block) → exit status (>= 0), -signal when killed by one, -1000 still running (block=false), -1001 not a child.
Napi::Value JS_childExit(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid");
  int status = 0;
  pid_t r = waitpid(info[0].As<Napi::Number>().Int32Value(), &status, info[1].ToBoolean() ? 0 : WNOHANG);
  if (r == 0) return Napi::Number::New(info.Env(), -1000);
  if (r < 0) return Napi::Number::New(info.Env(), -1001);
  return Napi::Number::New(info.Env(), WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
}

namespace {
// Ends a blocking flock at its deadline: a timer aimed at this thread raises it, and its handler does nothing.
int lockTimeoutSignal() { return SIGRTMIN + 6; }
void onLockTimeout(int) {}

// flock that waits at most ms: granted the moment the holder lets go, -ETIMEDOUT once the deadline has passed.
int flockFor(int fd, int op, double ms) {
  // Free now: granted without the timer's five syscalls (a case takes two such locks, 2.5 ms of a case under TCG).
  if (flock(fd, op | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK) return -errno;
  static bool installed = false;
  if (!installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onLockTimeout;  // no SA_RESTART: the flock returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(lockTimeoutSignal(), &sa, nullptr);
    installed = true;
  }
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = lockTimeoutSignal();
  ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
  timer_t t;
  if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0) return -errno;
  sigset_t wake, saved;
  sigemptyset(&wake);
  sigaddset(&wake, lockTimeoutSignal());
  pthread_sigmask(SIG_UNBLOCK, &wake, &saved);
  Deadline d(ms);
  int res;
  for (;;) {
    // One reading of the time left: a zero it_value would disarm the timer and leave the flock unbounded.
    struct itimerspec its = {{0, 0}, d.left()};
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) { res = flock(fd, op | LOCK_NB) == 0 ? 0 : (errno == EWOULDBLOCK ? -ETIMEDOUT : -errno); break; }
    timer_settime(t, 0, &its, nullptr);
    if (flock(fd, op) == 0) { res = 0; break; }
    if (errno != EINTR) { res = -errno; break; }
  }
  timer_delete(t);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return res;
}
}  // namespace

// flock(fd, operation[, timeoutMs]) → 0 or -errno (LOCK_SH 1, LOCK_EX 2, LOCK_NB 4, LOCK_UN 8); with timeoutMs a
// blocking operation waits at most that long (-ETIMEDOUT).
Napi::Value JS_flock(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "fd"); REQUIRE_NUMBER(1, "operation");
  int fd = info[0].As<Napi::Number>().Int32Value(), op = info[1].As<Napi::Number>().Int32Value();
  if (info.Length() > 2 && info[2].IsNumber() && !(op & LOCK_NB) && !(op & LOCK_UN))
    return Napi::Number::New(info.Env(), flockFor(fd, op, info[2].As<Napi::Number>().DoubleValue()));
  return Napi::Number::New(info.Env(), rawResult(flock(fd, op)));
}

// kill(pid, signal) → 0 or -errno.
Napi::Value JS_kill(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid"); REQUIRE_NUMBER(1, "signal");
  return Napi::Number::New(info.Env(), rawResult(kill(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value())));
}
