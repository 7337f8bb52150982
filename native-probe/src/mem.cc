// Page-aligned memory shared with the kernel, exposed to JS as ArrayBuffers, and addresses of buffers.
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "guards.h"
#include "verbs.h"

// alloc(size) → ArrayBuffer backed by an anonymous private mapping (page-aligned), or -errno.
Napi::Value JS_alloc(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "size");
  size_t size = info[0].As<Napi::Number>().Int64Value();
  if (size == 0) size = 1;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Napi::Number::New(info.Env(), -errno);
  // Regions shared with the kernel stay out of forked clients.
  madvise(p, size, MADV_DONTFORK);
  return Napi::ArrayBuffer::New(info.Env(), p, size, [](Napi::Env, void* data, size_t* len) { munmap(data, *len); delete len; }, new size_t(size));
}

// addressOf(ArrayBuffer | Buffer) → its user address as a bigint.
Napi::Value JS_addressOf(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1);
  if (info[0].IsArrayBuffer()) return Napi::BigInt::New(info.Env(), (uint64_t)(uintptr_t)info[0].As<Napi::ArrayBuffer>().Data());
  if (info[0].IsTypedArray()) {
    auto t = info[0].As<Napi::TypedArray>();
    return Napi::BigInt::New(info.Env(), (uint64_t)(uintptr_t)((char*)t.ArrayBuffer().Data() + t.ByteOffset()));
  }
  Napi::TypeError::New(info.Env(), "Expected argument 0 (buffer) to be an ArrayBuffer or a typed array").ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// unmappedAddress() → a user address with nothing mapped at it (mapped, then unmapped).
Napi::Value JS_unmappedAddress(const Napi::CallbackInfo& info) {
  long page = sysconf(_SC_PAGESIZE);
  void* p = mmap(nullptr, page * 16, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Napi::Number::New(info.Env(), -errno);
  munmap(p, page * 16);
  return Napi::BigInt::New(info.Env(), (uint64_t)(uintptr_t)p + page * 8);
}
