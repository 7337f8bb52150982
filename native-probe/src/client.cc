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

#include <map>
#include <sys/mman.h>

// errno travels in a shared page, since an exit status keeps only 8 bits (a reply error of -511 must survive).
static std::map<pid_t, int*> results;

// Child side: only async-signal-safe calls between fork and _exit; the errno goes to *out (0 = success).
static void run_child(int op, const char* path, int cpu, unsigned size, int* out) {
  // A client holding the worker's /dev/fuse or ring fd would keep its own connection alive and hang forever.
  syscall(SYS_close_range, 3, ~0U, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set); sched_setaffinity(0, sizeof set, &set); }
  struct stat st;
  static char buf[1 << 20];
  int err = 0;
  if (op == 0) err = stat(path, &st) < 0 ? errno : 0;
  else if (op == 3) err = umount2(path, MNT_DETACH) < 0 ? errno : 0;
  else if (op == 4) { for (unsigned i = 0; i < size && !err; i++) if (stat(path, &st) < 0) err = errno; }
  else {
    int fd = open(path, op == 1 ? O_RDONLY : O_WRONLY);
    ssize_t r = fd < 0 ? -1 : op == 1 ? read(fd, buf, size > sizeof buf ? sizeof buf : size) : write(fd, buf, size > sizeof buf ? sizeof buf : size);
    err = r < 0 ? errno : 0;
  }
  *out = err;
  _exit(0);
}

// clientSpawn(op 0=stat 1=read 2=write 3=umount2(MNT_DETACH) 4=stat `size` times, path, cpu, size) → pid, or -errno.
Napi::Value JS_clientSpawn(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(4); REQUIRE_NUMBER(0, "op"); REQUIRE_STRING(1, "path"); REQUIRE_NUMBER(2, "cpu"); REQUIRE_NUMBER(3, "size");
  std::string path = info[1].As<Napi::String>();
  int op = info[0].As<Napi::Number>().Int32Value(), cpu = info[2].As<Napi::Number>().Int32Value();
  unsigned size = info[3].As<Napi::Number>().Uint32Value();
  int* out = (int*)mmap(nullptr, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (out == MAP_FAILED) return Napi::Number::New(info.Env(), -errno);
  *out = -1;
  pid_t pid = fork();
  if (pid == 0) run_child(op, path.c_str(), cpu, size, out);
  if (pid < 0) { int e = errno; munmap(out, sizeof(int)); return Napi::Number::New(info.Env(), -e); }
  results[pid] = out;
  return Napi::Number::New(info.Env(), pid);
}

// clientReap(pid, timeoutMs) → errno the child exited with (0 = success), -1 still running, -2 killed by a signal.
Napi::Value JS_clientReap(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid"); REQUIRE_NUMBER(1, "timeoutMs");
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int ms = info[1].As<Napi::Number>().Int32Value();
  for (int waited = 0;; waited++) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      auto it = results.find(pid);
      int err = -2;
      if (it != results.end()) { if (WIFEXITED(status) && *it->second >= 0) err = *it->second; munmap(it->second, sizeof(int)); results.erase(it); }
      else if (WIFEXITED(status)) err = WEXITSTATUS(status);
      return Napi::Number::New(info.Env(), err);
    }
    if (r < 0) return Napi::Number::New(info.Env(), -1000 - errno);
    if (waited >= ms) return Napi::Number::New(info.Env(), -1);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, nullptr);
  }
}

Napi::Value JS_kill(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "pid"); REQUIRE_NUMBER(1, "signal");
  return Napi::Number::New(info.Env(), rawResult(kill(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value())));
}
