// File-descriptor verbs: open, close, read with a deadline, write; results are raw (negative errno).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "deadline.h"
#include "guards.h"
#include "ring.h"
#include "verbs.h"

Napi::Value JS_open(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_STRING(0, "path"); REQUIRE_NUMBER(1, "flags");
  std::string path = info[0].As<Napi::String>();
  int fd = open(path.c_str(), info[1].As<Napi::Number>().Int32Value() | O_CLOEXEC);
  return Napi::Number::New(info.Env(), rawResult(fd));
}

Napi::Value JS_close(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "fd");
  return Napi::Number::New(info.Env(), rawResult(close(info[0].As<Napi::Number>().Int32Value())));
}

// ppoll for up to ms (negative: no bound), again after a signal with what is left: a profiler's SIGPROF or any handled
// signal ends the wait early, and that is not the fds' answer nor the time running out.
static int pollFor(struct pollfd* p, nfds_t n, double ms) {
  Deadline d(ms < 0 ? 0 : ms);
  for (;;) {
    struct timespec until = d.left();
    int r = ppoll(p, n, ms < 0 ? nullptr : &until, nullptr);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// read(fd, size, timeoutMs) → Buffer, or -errno (-ETIMEDOUT when nothing arrived in time).
Napi::Value JS_read(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(3); REQUIRE_NUMBER(0, "fd"); REQUIRE_NUMBER(1, "size"); REQUIRE_NUMBER(2, "timeoutMs");
  int fd = info[0].As<Napi::Number>().Int32Value();
  size_t size = info[1].As<Napi::Number>().Uint32Value();
  struct pollfd p = {fd, POLLIN, 0};
  int n = pollFor(&p, 1, info[2].As<Napi::Number>().Int32Value());
  if (n < 0) return Napi::Number::New(info.Env(), -errno);
  if (n == 0) return Napi::Number::New(info.Env(), -ETIMEDOUT);
  std::vector<uint8_t>& buf = info.Env().GetInstanceData<Addon>()->readBuf;
  if (buf.size() < size) buf.resize(size);
  ssize_t r = read(fd, buf.data(), size);
  if (r < 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.data(), r);
}

// pipe() → [read fd, write fd] (close-on-exec), or -errno.
Napi::Value JS_pipe(const Napi::CallbackInfo& info) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return Napi::Number::New(info.Env(), -errno);
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, fds[0]); a.Set(1u, fds[1]);
  return a;
}

Napi::Value JS_write(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "fd"); REQUIRE_BUFFER(1, "data");
  auto b = info[1].As<Napi::Buffer<uint8_t>>();
  ssize_t r = write(info[0].As<Napi::Number>().Int32Value(), b.Data(), b.Length());
  return Napi::Number::New(info.Env(), r < 0 ? -errno : r);
}

// ioctl(fd, request) with no argument → its result, or -errno (FUSE_DEV_IOC_SYNC_INIT is _IO(229, 3)).
Napi::Value JS_ioctl(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "fd"); REQUIRE_NUMBER(1, "request");
  return Napi::Number::New(info.Env(), rawResult(ioctl(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value(), 0)));
}

// waitAny(fds, timeoutMs) → bit i set when fds[i] is readable or hung up (0 when the wait timed out), or -errno.
Napi::Value JS_waitAny(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(1, "timeoutMs");
  if (!info[0].IsArray()) { Napi::TypeError::New(info.Env(), "Expected argument 0 (fds) to be an array").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
  Napi::Array a = info[0].As<Napi::Array>();
  uint32_t n = a.Length() > 30 ? 30 : a.Length();
  struct pollfd p[30];
  for (uint32_t i = 0; i < n; i++) p[i] = {a.Get(i).As<Napi::Number>().Int32Value(), POLLIN, 0};
  // Fractions of a millisecond are kept (ppoll): a task that falls asleep raises no fd, so callers nap briefly.
  int r = pollFor(p, n, info[1].As<Napi::Number>().DoubleValue());
  if (r < 0) return Napi::Number::New(info.Env(), -errno);
  uint32_t mask = 0;
  for (uint32_t i = 0; i < n; i++) if (p[i].revents) mask |= 1u << i;
  return Napi::Number::New(info.Env(), mask);
}
