// Raw io_uring: setup with chosen flags, submit one SQE of caller bytes, reap CQEs with a deadline.
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "guards.h"
#include "ring.h"
#include "submitWatch.h"
#include "verbs.h"

static int sys_setup(unsigned entries, struct io_uring_params* p) { return (int)syscall(__NR_io_uring_setup, entries, p); }
static int sys_enter(int fd, unsigned submit, unsigned wait, unsigned flags, void* arg, size_t argsz) {
  return (int)syscall(__NR_io_uring_enter, fd, submit, wait, flags, arg, argsz);
}
static int sys_register(int fd, unsigned op, void* arg, unsigned n) { return (int)syscall(__NR_io_uring_register, fd, op, arg, n); }

static Addon& addon(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

static void unmap(Ring& r) {
  if (r.sqes) munmap(r.sqes, r.sqes_len);
  if (r.cq_ptr && r.cq_ptr != r.sq_ptr) munmap(r.cq_ptr, r.cq_len);
  if (r.sq_ptr) munmap(r.sq_ptr, r.sq_len);
  if (r.fd >= 0) close(r.fd);
}

// ringSetup(entries, flags) → ring fd, or -errno.
Napi::Value JS_ringSetup(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "entries"); REQUIRE_NUMBER(1, "flags");
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = info[1].As<Napi::Number>().Uint32Value();
  Ring r;
  r.fd = sys_setup(info[0].As<Napi::Number>().Uint32Value(), &p);
  if (r.fd < 0) return Napi::Number::New(info.Env(), -errno);
  r.flags = p.flags;
  r.sqe_size = (p.flags & IORING_SETUP_SQE128) ? 128 : 64;
  r.sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r.cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) r.sq_len = r.cq_len = r.sq_len > r.cq_len ? r.sq_len : r.cq_len;
  r.sq_ptr = mmap(nullptr, r.sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r.fd, IORING_OFF_SQ_RING);
  if (r.sq_ptr == MAP_FAILED) { int e = errno; r.sq_ptr = nullptr; unmap(r); return Napi::Number::New(info.Env(), -e); }
  r.cq_ptr = (p.features & IORING_FEAT_SINGLE_MMAP) ? r.sq_ptr
           : mmap(nullptr, r.cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r.fd, IORING_OFF_CQ_RING);
  if (r.cq_ptr == MAP_FAILED) { int e = errno; r.cq_ptr = nullptr; unmap(r); return Napi::Number::New(info.Env(), -e); }
  r.sqes_len = p.sq_entries * r.sqe_size;
  r.sqes = mmap(nullptr, r.sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r.fd, IORING_OFF_SQES);
  if (r.sqes == MAP_FAILED) { int e = errno; r.sqes = nullptr; unmap(r); return Napi::Number::New(info.Env(), -e); }
  // Forked clients must not inherit the ring: their mapping would pin the io_uring file, so closing it
  // would not cancel held commands and /dev/fuse would never be released.
  madvise(r.sq_ptr, r.sq_len, MADV_DONTFORK);
  if (r.cq_ptr != r.sq_ptr) madvise(r.cq_ptr, r.cq_len, MADV_DONTFORK);
  madvise(r.sqes, r.sqes_len, MADV_DONTFORK);
  char* sq = (char*)r.sq_ptr; char* cq = (char*)r.cq_ptr;
  r.sq_head = (unsigned*)(sq + p.sq_off.head); r.sq_tail = (unsigned*)(sq + p.sq_off.tail);
  r.sq_mask = (unsigned*)(sq + p.sq_off.ring_mask); r.sq_array = (unsigned*)(sq + p.sq_off.array);
  r.cq_head = (unsigned*)(cq + p.cq_off.head); r.cq_tail = (unsigned*)(cq + p.cq_off.tail);
  r.cq_mask = (unsigned*)(cq + p.cq_off.ring_mask); r.cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
  addon(info.Env()).rings[r.fd] = r;
  return Napi::Number::New(info.Env(), r.fd);
}

static Ring* find(const Napi::CallbackInfo& info) {
  auto& rings = addon(info.Env()).rings;
  auto it = rings.find(info[0].As<Napi::Number>().Int32Value());
  return it == rings.end() ? nullptr : &it->second;
}

// ringSubmit(ring, sqe, watched = true) → number submitted, or -errno; copies the caller's bytes verbatim (64 or 128).
// watched may be a number of ms: the watch's first look comes that soon (and as often after).
Napi::Value JS_ringSubmit(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "ring"); REQUIRE_BUFFER(1, "sqe");
  Ring* r = find(info);
  if (!r) return Napi::Number::New(info.Env(), -EBADF);
  auto b = info[1].As<Napi::Buffer<uint8_t>>();
  unsigned tail = __atomic_load_n(r->sq_tail, __ATOMIC_ACQUIRE);
  unsigned idx = tail & *r->sq_mask;
  char* slot = (char*)r->sqes + (size_t)idx * r->sqe_size;
  memset(slot, 0, r->sqe_size);
  memcpy(slot, b.Data(), b.Length() < r->sqe_size ? b.Length() : r->sqe_size);
  r->sq_array[idx] = idx;
  __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
  // A command may sleep in the submitter's context (fuse_get_dev waiting for a device): the watch sees it and interrupts.
  bool watched = info.Length() < 3 || info[2].ToBoolean();
  long firstNs = info.Length() >= 3 && info[2].IsNumber() ? (long)(info[2].As<Napi::Number>().DoubleValue() * 1e6) : 0;
  SubmitWatch& w = submitWatch(info.Env());
  w.arm(watched, firstNs);
  int n = sys_enter(r->fd, 1, 0, 0, nullptr, 0);
  int e = errno;
  w.disarm(watched);
  return Napi::Number::New(info.Env(), n < 0 ? -e : n);
}

// watchPeriod(ms) → 0, or -EINVAL for a period that is not a positive number of ms under a minute: the submit watch's sample period.
Napi::Value JS_watchPeriod(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1);
  double ms = info[0].ToNumber().DoubleValue();
  if (!(ms > 0 && ms < 60'000)) return Napi::Number::New(info.Env(), -EINVAL);
  submitWatch(info.Env()).setPeriod((long)(ms * 1e6));
  return Napi::Number::New(info.Env(), 0);
}

// holdSignals(on) → 0: from now until holdSignals(false), this thread holds every signal but the watch's own (as each
// submission otherwise does for itself, with two mask changes).
Napi::Value JS_holdSignals(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1);
  submitWatch(info.Env()).hold(info[0].ToBoolean());
  return Napi::Number::New(info.Env(), 0);
}

// ringSubmitBlocked() → where the last ringSubmit slept in the kernel before it was interrupted ("fuse_get_dev…"), or null.
Napi::Value JS_ringSubmitBlocked(const Napi::CallbackInfo& info) {
  std::string where = submitWatch(info.Env()).takeBlocked();
  if (where.empty()) return info.Env().Null();
  return Napi::String::New(info.Env(), where);
}

// ringReap(ring, timeoutMs, into) → how many CQEs were copied into `into` (as many whole ones as fit, each as the
// kernel wrote it), or -errno; waits up to timeoutMs for the first. TypeScript reads them through the spec's layout.
Napi::Value JS_ringReap(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(3); REQUIRE_NUMBER(0, "ring"); REQUIRE_NUMBER(1, "timeoutMs"); REQUIRE_BUFFER(2, "into");
  Napi::Env env = info.Env();
  Ring* r = find(info);
  if (!r) return Napi::Number::New(env, -EBADF);
  int ms = info[1].As<Napi::Number>().Int32Value();
  auto into = info[2].As<Napi::Buffer<uint8_t>>();
  size_t size = (r->flags & IORING_SETUP_CQE32) ? 2 * sizeof(struct io_uring_cqe) : sizeof(struct io_uring_cqe);
  size_t max = into.Length() / size;
  if (ms > 0 && __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) == *r->cq_head) {
    struct __kernel_timespec ts = {ms / 1000, (long long)(ms % 1000) * 1000000};
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.ts = (uint64_t)(uintptr_t)&ts;
    int e = sys_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
    if (e < 0 && errno != ETIME && errno != EINTR) return Napi::Number::New(env, -errno);
  }
  // Building a row of JS values per CQE cost about 0.6 µs a request (npm run bench, one CPU); bytes cost a memcpy.
  unsigned head = *r->cq_head;
  size_t n = 0;
  for (; n < max && head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE); n++, head++)
    memcpy(into.Data() + n * size, (char*)r->cqes + (size_t)(head & *r->cq_mask) * size, size);
  __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  return Napi::Number::New(env, (double)n);
}

// ringRegister(ring, opcode, arg Buffer, nr) → io_uring_register result (fixed/sparse buffers, …).
Napi::Value JS_ringRegister(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(4); REQUIRE_NUMBER(0, "ring"); REQUIRE_NUMBER(1, "opcode"); REQUIRE_BUFFER(2, "arg"); REQUIRE_NUMBER(3, "nr");
  Ring* r = find(info);
  if (!r) return Napi::Number::New(info.Env(), -EBADF);
  auto b = info[2].As<Napi::Buffer<uint8_t>>();
  int res = sys_register(r->fd, info[1].As<Napi::Number>().Uint32Value(), b.Length() ? b.Data() : nullptr, info[3].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(info.Env(), rawResult(res));
}

// ringClose(ring) → 0; unmaps and closes, which cancels the ring's pending commands (IO_URING_F_CANCEL).
Napi::Value JS_ringClose(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "ring");
  auto& rings = addon(info.Env()).rings;
  auto it = rings.find(info[0].As<Napi::Number>().Int32Value());
  if (it == rings.end()) return Napi::Number::New(info.Env(), -EBADF);
  unmap(it->second);
  rings.erase(it);
  return Napi::Number::New(info.Env(), 0);
}
