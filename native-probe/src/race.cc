// The race engine's JS verbs: start a program on its threads, wait, reap, read what happened, finish.
#include <errno.h>
#include <memory>
#include <vector>
#include "guards.h"
#include "raceVm.h"
#include "ring.h"
#include "verbs.h"

// One race at a time per environment, in its instance data; a race whose threads could not be joined stays, poisoned.
struct Race {
  std::vector<uint64_t> program;
  Napi::Reference<Napi::ArrayBuffer> arena;
  race_ctx ctx;
  /** race_finish() ran (it joins the threads; it must not run twice). */
  bool finished = false;
  bool stuck = false;
};

namespace {
// Ends a race no one holds any more: one its environment's teardown drops unfinished is stopped and joined first.
// Threads still inside the kernel keep using ctx and the arena: a stuck race is leaked rather than freed under them.
void retire(Race* r) {
  if (!r->finished) {
    __atomic_store_n(&r->ctx.stop, 1, __ATOMIC_RELEASE);
    r->stuck = race_finish(&r->ctx, 1000000000LL) > 0;
    r->finished = true;
  }
  if (r->stuck) return;
  race_free(&r->ctx);
  delete r;
}

std::shared_ptr<Race>& slot(Napi::Env env) { return env.GetInstanceData<Addon>()->race; }

Race* live(Napi::Env env) { return slot(env).get(); }

void forget(Napi::Env env) { slot(env).reset(); }

int64_t ns(const Napi::Value& ms) { return (int64_t)(ms.As<Napi::Number>().DoubleValue() * 1e6); }
}  // namespace

// raceStart(program, arena, fds) → 0, or -errno (-EBUSY while another race is live or stuck, -EINVAL bad program).
Napi::Value JS_raceStart(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(3); REQUIRE_BUFFER(0, "program");
  Napi::Env env = info.Env();
  if (!info[1].IsArrayBuffer()) { Napi::TypeError::New(env, "Expected argument 1 (arena) to be an ArrayBuffer").ThrowAsJavaScriptException(); return env.Undefined(); }
  if (!info[2].IsArray()) { Napi::TypeError::New(env, "Expected argument 2 (fds) to be an array").ThrowAsJavaScriptException(); return env.Undefined(); }
  if (live(env)) return Napi::Number::New(env, -EBUSY);
  auto prog = info[0].As<Napi::Buffer<uint8_t>>();
  if (prog.Length() < sizeof(race_header)) return Napi::Number::New(env, -EINVAL);
  std::unique_ptr<Race> r(new Race());
  r->program.resize((prog.Length() + 7) / 8);
  memcpy(r->program.data(), prog.Data(), prog.Length());
  auto* h = reinterpret_cast<const race_header*>(r->program.data());
  if (sizeof(race_header) + (size_t)h->nsteps * sizeof(race_step) > prog.Length()) return Napi::Number::New(env, -EINVAL);
  auto* steps = reinterpret_cast<const race_step*>(reinterpret_cast<const uint8_t*>(r->program.data()) + sizeof(race_header));
  Napi::ArrayBuffer ab = info[1].As<Napi::ArrayBuffer>();
  Napi::Array fdsJs = info[2].As<Napi::Array>();
  int fds[RACE_MAX_FDS];
  unsigned nfds = fdsJs.Length() < RACE_MAX_FDS ? fdsJs.Length() : RACE_MAX_FDS;
  for (unsigned i = 0; i < nfds; i++) fds[i] = fdsJs.Get(i).As<Napi::Number>().Int32Value();
  int e = race_init(&r->ctx, h, steps, static_cast<uint8_t*>(ab.Data()), fds, nfds);
  if (e < 0) { race_free(&r->ctx); return Napi::Number::New(env, e); }
  r->arena = Napi::Persistent(ab);
  e = race_launch(&r->ctx);
  Race* raw = r.get();
  slot(env) = std::shared_ptr<Race>(r.release(), retire);
  if (e < 0) { raw->ctx.stop = 1; raw->stuck = race_finish(&raw->ctx, 1000000000LL) > 0; raw->finished = true; forget(env); return Napi::Number::New(env, e); }
  return Napi::Number::New(env, 0);
}

// raceWait(timeoutMs) → threads still running their steps (0: all at END or exited); -ENOENT without a race.
Napi::Value JS_raceWait(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "timeoutMs");
  Race* r = live(info.Env());
  if (!r) return Napi::Number::New(info.Env(), -ENOENT);
  return Napi::Number::New(info.Env(), race_wait(&r->ctx, ns(info[0])));
}

// raceReap(slot, timeoutMs) → CQEs logged from that ring within the wait, or -errno.
Napi::Value JS_raceReap(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_NUMBER(0, "slot"); REQUIRE_NUMBER(1, "timeoutMs");
  Race* r = live(info.Env());
  if (!r) return Napi::Number::New(info.Env(), -ENOENT);
  return Napi::Number::New(info.Env(), race_reap(&r->ctx, info[0].As<Napi::Number>().Int32Value(), ns(info[1])));
}

// raceStop() → 0: blocking steps (barriers, waits, spins) end at once with status STOPPED.
Napi::Value JS_raceStop(const Napi::CallbackInfo& info) {
  Race* r = live(info.Env());
  if (!r) return Napi::Number::New(info.Env(), -ENOENT);
  __atomic_store_n(&r->ctx.stop, 1, __ATOMIC_RELEASE);
  return Napi::Number::New(info.Env(), 0);
}

// raceState() → {threads: [tid, state, pc][], rows: [thread, step, tag, status, res, t0ns, t1ns][],
//   cqes: [ring, user_data, res, flags, tns, consumed, snapshot|null][], dropped}, or -ENOENT.
Napi::Value JS_raceState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Race* r = live(env);
  if (!r) return Napi::Number::New(env, -ENOENT);
  race_ctx& c = r->ctx;
  Napi::Object out = Napi::Object::New(env);
  Napi::Array threads = Napi::Array::New(env);
  for (int t = 0; t < c.launched; t++) {
    Napi::Array row = Napi::Array::New(env, 3);
    row.Set(0u, Napi::Number::New(env, __atomic_load_n(&c.tid[t], __ATOMIC_ACQUIRE)));
    row.Set(1u, Napi::Number::New(env, __atomic_load_n(&c.state[t], __ATOMIC_ACQUIRE)));
    row.Set(2u, Napi::Number::New(env, __atomic_load_n(&c.pc[t], __ATOMIC_ACQUIRE)));
    threads.Set((uint32_t)t, row);
  }
  pthread_mutex_lock(&c.log_mu);
  Napi::Array rows = Napi::Array::New(env, c.nrows);
  for (unsigned i = 0; i < c.nrows; i++) {
    const race_row& x = c.rows[i];
    Napi::Array row = Napi::Array::New(env, 7);
    row.Set(0u, Napi::Number::New(env, x.thread)); row.Set(1u, Napi::Number::New(env, x.step));
    row.Set(2u, Napi::Number::New(env, x.tag)); row.Set(3u, Napi::Number::New(env, x.status));
    row.Set(4u, Napi::Number::New(env, x.res)); row.Set(5u, Napi::Number::New(env, (double)x.t0));
    row.Set(6u, Napi::Number::New(env, (double)x.t1));
    rows.Set(i, row);
  }
  Napi::Array cqes = Napi::Array::New(env, c.ncqes);
  for (unsigned i = 0; i < c.ncqes; i++) {
    const race_cqe_rec& x = c.cqes[i];
    Napi::Array row = Napi::Array::New(env, 7);
    row.Set(0u, Napi::Number::New(env, x.ring)); row.Set(1u, Napi::BigInt::New(env, (uint64_t)x.ud));
    row.Set(2u, Napi::Number::New(env, x.res)); row.Set(3u, Napi::Number::New(env, x.flags));
    row.Set(4u, Napi::Number::New(env, (double)x.t)); row.Set(5u, Napi::Boolean::New(env, x.consumed != 0));
    row.Set(6u, x.snap_len > 0 ? Napi::Value(Napi::Buffer<uint8_t>::Copy(env, x.snap, (size_t)x.snap_len)) : env.Null());
    cqes.Set(i, row);
  }
  unsigned dropped = c.dropped;
  pthread_mutex_unlock(&c.log_mu);
  out.Set("threads", threads);
  out.Set("rows", rows);
  out.Set("cqes", cqes);
  out.Set("dropped", Napi::Number::New(env, dropped));
  return out;
}

// raceFinish(timeoutMs) → threads that could not be joined (0: the race is gone; else it stays, poisoned), or -ENOENT.
Napi::Value JS_raceFinish(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "timeoutMs");
  Napi::Env env = info.Env();
  Race* r = live(env);
  if (!r) return Napi::Number::New(env, -ENOENT);
  if (r->stuck) return Napi::Number::New(env, -EBUSY);
  __atomic_store_n(&r->ctx.stop, 1, __ATOMIC_RELEASE);
  unsigned stuck = race_finish(&r->ctx, ns(info[0]));
  r->finished = true;
  r->stuck = stuck > 0;
  if (!r->stuck) forget(env);
  return Napi::Number::New(env, stuck);
}
