// Capabilities of the calling thread: the effective set is narrowed for one case and widened back; no policy.
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guards.h"
#include "verbs.h"

// capSetEffective(clearMask) → 0 or -errno: effective = permitted & ~clearMask (0 widens it back to permitted).
Napi::Value JS_capSetEffective(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1);
  if (!info[0].IsBigInt()) { Napi::TypeError::New(info.Env(), "clearMask: bigint expected").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
  bool lossless = true;
  uint64_t clear = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) < 0) return Napi::Number::New(info.Env(), -errno);
  for (int i = 0; i < 2; i++) data[i].effective = data[i].permitted & ~static_cast<uint32_t>(clear >> (32 * i));
  return Napi::Number::New(info.Env(), rawResult(syscall(SYS_capset, &hdr, data)));
}
