// Page-aligned memory shared with the kernel, exposed to JS as ArrayBuffers; protection changes and unmapping of
// their pages (the server's memory faulting under test), and addresses of buffers.
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "guards.h"
#include "ring.h"
#include "verbs.h"

namespace {
struct Mapping { char* base; size_t len; Addon* owner; };

// munmap of the pages of [from, to) still marked mapped, one call per run; they are marked unmapped. A page already
// unmapped is left alone: its range may since belong to another mapping.
int unmapMapped(char* base, std::vector<bool>& mapped, size_t from, size_t to) {
  size_t page = sysconf(_SC_PAGESIZE);
  for (size_t i = from; i < to;) {
    if (!mapped[i]) { i++; continue; }
    size_t j = i;
    while (j < to && mapped[j]) j++;
    if (munmap(base + i * page, (j - i) * page) < 0) return -errno;
    for (size_t k = i; k < j; k++) mapped[k] = false;
    i = j;
  }
  return 0;
}

// The buffer is collected: its still-mapped pages go, unless a later alloc() at the same base owns the entry now.
void release(Napi::Env, void*, Mapping* m) {
  auto& live = m->owner->mappings;
  auto it = live.find(m->base);
  if (it != live.end() && it->second.owner == m) {
    unmapMapped(m->base, it->second.mapped, 0, it->second.mapped.size());
    live.erase(it);
  }
  delete m;
}

Addon& addon(Napi::Env env) { return *env.GetInstanceData<Addon>(); }
}  // namespace

// alloc(size[, at]) → ArrayBuffer backed by an anonymous private mapping (page-aligned), or -errno; with `at`, exactly
// there or -EEXIST when something is mapped in the way (MAP_FIXED_NOREPLACE).
Napi::Value JS_alloc(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1); REQUIRE_NUMBER(0, "size");
  size_t size = info[0].As<Napi::Number>().Int64Value();
  if (size == 0) size = 1;
  long page = sysconf(_SC_PAGESIZE);
  size_t len = (size + page - 1) / page * page;
  void* at = nullptr;
  int fixed = 0;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    REQUIRE_BIGINT(1, "at");
    bool lossless = true;
    at = (void*)(uintptr_t)info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    fixed = MAP_FIXED_NOREPLACE;
  }
  char* p = (char*)mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
  if (p == MAP_FAILED) return Napi::Number::New(info.Env(), -errno);
  // A kernel before 4.17 takes MAP_FIXED_NOREPLACE as a hint: elsewhere is as good as taken.
  if (at && p != at) { munmap(p, len); return Napi::Number::New(info.Env(), -EEXIST); }
  // Regions shared with the kernel stay out of forked clients.
  madvise(p, len, MADV_DONTFORK);
  Addon& a = addon(info.Env());
  Mapping* m = new Mapping{p, len, &a};
  a.mappings[p] = Addon::Live{std::vector<bool>(len / page, true), m};
  return Napi::ArrayBuffer::New(info.Env(), p, size, release, m);
}

// The page map of the alloc()ed buffer info[0], or null when it is not one.
static Addon::Live* liveOf(const Napi::CallbackInfo& info) {
  if (!info[0].IsArrayBuffer()) return nullptr;
  auto& live = addon(info.Env()).mappings;
  auto it = live.find((char*)info[0].As<Napi::ArrayBuffer>().Data());
  return it == live.end() ? nullptr : &it->second;
}

static char* pagesOf(const Napi::CallbackInfo& info, size_t* len) {
  if (!info[0].IsArrayBuffer()) return nullptr;
  auto ab = info[0].As<Napi::ArrayBuffer>();
  long page = sysconf(_SC_PAGESIZE);
  size_t off = info[1].As<Napi::Number>().Int64Value(), n = info[2].As<Napi::Number>().Int64Value();
  if (off % page != 0 || off + n > (ab.ByteLength() + page - 1) / page * page) return nullptr;
  *len = (n + page - 1) / page * page;
  return (char*)ab.Data() + off;
}

// protect(buffer, offset, len, prot) → 0 or -errno: mprotect of whole pages of an alloc()ed buffer (prot: PROT_* bits).
Napi::Value JS_protect(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(4); REQUIRE_NUMBER(1, "offset"); REQUIRE_NUMBER(2, "len"); REQUIRE_NUMBER(3, "prot");
  size_t len = 0;
  char* p = pagesOf(info, &len);
  if (!p) return Napi::Number::New(info.Env(), -EINVAL);
  return Napi::Number::New(info.Env(), rawResult(mprotect(p, len, info[3].As<Napi::Number>().Int32Value())));
}

// unmap(buffer, offset, len) → 0 or -errno: munmap of whole pages of an alloc()ed buffer; JS must not touch them again.
Napi::Value JS_unmap(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(3); REQUIRE_NUMBER(1, "offset"); REQUIRE_NUMBER(2, "len");
  size_t len = 0;
  char* p = pagesOf(info, &len);
  if (!p) return Napi::Number::New(info.Env(), -EINVAL);
  Addon::Live* live = liveOf(info);
  if (!live) return Napi::Number::New(info.Env(), -EINVAL);
  char* base = (char*)info[0].As<Napi::ArrayBuffer>().Data();
  size_t page = sysconf(_SC_PAGESIZE), first = (p - base) / page;
  return Napi::Number::New(info.Env(), unmapMapped(base, live->mapped, first, first + len / page));
}

// discard(buffer) → 0 or -errno: madvise(MADV_DONTNEED) of every page of an alloc()ed buffer, all still mapped; its
// bytes then read as zeros, as a fresh mapping's do, and its pages go back to the kernel (-EINVAL: not whole any more).
Napi::Value JS_discard(const Napi::CallbackInfo& info) {
  REQUIRE_ARGS(1);
  Addon::Live* live = liveOf(info);
  if (!live) return Napi::Number::New(info.Env(), -EINVAL);
  for (bool m : live->mapped) if (!m) return Napi::Number::New(info.Env(), -EINVAL);
  size_t page = sysconf(_SC_PAGESIZE);
  return Napi::Number::New(info.Env(), rawResult(madvise(info[0].As<Napi::ArrayBuffer>().Data(), live->mapped.size() * page, MADV_DONTNEED)));
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
