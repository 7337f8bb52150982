// Client operations on the mount in a forked child, so a blocked syscall never blocks the runner.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "guards.h"
#include "verbs.h"

// Child side: only async-signal-safe calls between fork and _exit; exit status is the errno (0 = success).
static void run_child(int op, const char* path, int cpu, unsigned size) {
  // A client holding the worker's /dev/fuse or ring fd would keep its own connection alive and hang forever.
  syscall(SYS_close_range, 3, ~0U, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set); sched_setaffinity(0, sizeof set, &set); }
  struct stat st;
  static char buf[1 << 20];
  if (op == 0) _exit(stat(path, &st) < 0 ? errno : 0);
  if (op == 3) _exit(umount2(path, MNT_DETACH) < 0 ? errno : 0);
  if (op == 4) { for (unsigned i = 0; i < size; i++) if (stat(path, &st) < 0) _exit(errno); _exit(0); }
  int fd = open(path, op == 1 ? O_RDONLY : O_WRONLY);
  if (fd < 0) _exit(errno);
  ssize_t r = op == 1 ? read(fd, buf, size > sizeof buf ? sizeof buf : size) : write(fd, buf, size > sizeof buf ? sizeof buf : size);
  _exit(r < 0 ? errno : 0);
}

// clientSpawn(op 0=stat 1=read 2=write 3=umount2(MNT_DETACH) 4=stat `size` times, path, cpu, size) → pid, or -errno.
Napi::Value JS_clientSpawn(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(4); REQUIRE_NUMBER(0, "op"); REQUIRE_STRING(1, "path"); REQUIRE_NUMBER(2, "cpu"); REQUIRE_NUMBER(3, "size");
  std::string path = info[1].As<Napi::String>();
  int op = info[0].As<Napi::Number>().Int32Value(), cpu = info[2].As<Napi::Number>().Int32Value();
  unsigned size = info[3].As<Napi::Number>().Uint32Value();
  pid_t pid = fork();
  if (pid == 0) run_child(op, path.c_str(), cpu, size);
  return Napi::Number::New(info.Env(), pid < 0 ? -errno : pid);
}

// clientReap(pid, timeoutMs) → errno the child exited with (0 = success), -1 still running, -2 killed by a signal.
Napi::Value JS_clientReap(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid"); REQUIRE_NUMBER(1, "timeoutMs");
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int ms = info[1].As<Napi::Number>().Int32Value();
  for (int waited = 0;; waited++) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return Napi::Number::New(info.Env(), WIFEXITED(status) ? WEXITSTATUS(status) : -2);
    if (r < 0) return Napi::Number::New(info.Env(), -1000 - errno);
    if (waited >= ms) return Napi::Number::New(info.Env(), -1);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, nullptr);
  }
}

Napi::Value JS_kill(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid"); REQUIRE_NUMBER(1, "signal");
  return Napi::Number::New(info.Env(), RES(kill(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value())));
}
