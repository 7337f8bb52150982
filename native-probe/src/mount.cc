// mount(2) / umount2(2) and the parent-death signal; no policy, raw results.
#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include "guards.h"
#include "verbs.h"

// mount(source, target, fstype, flags, data) → 0 or -errno.
Napi::Value JS_mount(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(5); REQUIRE_STRING(0, "source"); REQUIRE_STRING(1, "target"); REQUIRE_STRING(2, "fstype");
  REQUIRE_NUMBER(3, "flags"); REQUIRE_STRING(4, "data");
  std::string src = info[0].As<Napi::String>(), tgt = info[1].As<Napi::String>(), fs = info[2].As<Napi::String>(), data = info[4].As<Napi::String>();
  int r = mount(src.c_str(), tgt.c_str(), fs.c_str(), info[3].As<Napi::Number>().Uint32Value(), data.empty() ? nullptr : data.c_str());
  return Napi::Number::New(info.Env(), rawResult(r));
}

Napi::Value JS_umount2(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(2); REQUIRE_STRING(0, "target"); REQUIRE_NUMBER(1, "flags");
  std::string tgt = info[0].As<Napi::String>();
  return Napi::Number::New(info.Env(), rawResult(umount2(tgt.c_str(), info[1].As<Napi::Number>().Int32Value())));
}

// The worker dies with the runner, so its mount namespace and connections go with it.
Napi::Value JS_setDeathSignal(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), rawResult(prctl(PR_SET_PDEATHSIG, SIGKILL)));
}
