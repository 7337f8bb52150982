// One-line argument guards: misuse throws a TypeError naming the argument; kernel errors never throw.
#pragma once
#include <napi.h>

#define REQUIRE_ARGS(n) \
  if (info.Length() < (n)) { Napi::TypeError::New(info.Env(), "Expected " #n " arguments").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
#define REQUIRE_NUMBER(i, name) \
  if (!info[i].IsNumber()) { Napi::TypeError::New(info.Env(), "Expected argument " #i " (" name ") to be a number").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
#define REQUIRE_STRING(i, name) \
  if (!info[i].IsString()) { Napi::TypeError::New(info.Env(), "Expected argument " #i " (" name ") to be a string").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
#define REQUIRE_BUFFER(i, name) \
  if (!info[i].IsBuffer()) { Napi::TypeError::New(info.Env(), "Expected argument " #i " (" name ") to be a Buffer").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
#define REQUIRE_BIGINT(i, name) \
  if (!info[i].IsBigInt()) { Napi::TypeError::New(info.Env(), "Expected argument " #i " (" name ") to be a bigint").ThrowAsJavaScriptException(); return info.Env().Undefined(); }

// Raw result of a syscall wrapper, evaluated once: >= 0 on success, negative errno on failure.
#include <errno.h>
static inline long rawResult(long r) { return r < 0 ? -errno : r; }
