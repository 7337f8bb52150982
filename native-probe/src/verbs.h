// Every JS-callable verb of the probe addon (one seam: native-probe/native.d.ts mirrors this list).
#pragma once
#include <napi.h>

Napi::Value JS_open(const Napi::CallbackInfo& info);
Napi::Value JS_close(const Napi::CallbackInfo& info);
Napi::Value JS_ioctl(const Napi::CallbackInfo& info);
Napi::Value JS_waitAny(const Napi::CallbackInfo& info);
Napi::Value JS_read(const Napi::CallbackInfo& info);
Napi::Value JS_write(const Napi::CallbackInfo& info);
Napi::Value JS_pipe(const Napi::CallbackInfo& info);
Napi::Value JS_mount(const Napi::CallbackInfo& info);
Napi::Value JS_umount2(const Napi::CallbackInfo& info);
Napi::Value JS_setDeathSignal(const Napi::CallbackInfo& info);
Napi::Value JS_ringSetup(const Napi::CallbackInfo& info);
Napi::Value JS_ringSubmit(const Napi::CallbackInfo& info);
Napi::Value JS_ringReap(const Napi::CallbackInfo& info);
Napi::Value JS_ringSubmitBlocked(const Napi::CallbackInfo& info);
Napi::Value JS_holdSignals(const Napi::CallbackInfo& info);
Napi::Value JS_watchPeriod(const Napi::CallbackInfo& info);
Napi::Value JS_ringRegister(const Napi::CallbackInfo& info);
Napi::Value JS_ringClose(const Napi::CallbackInfo& info);
Napi::Value JS_alloc(const Napi::CallbackInfo& info);
Napi::Value JS_protect(const Napi::CallbackInfo& info);
Napi::Value JS_unmap(const Napi::CallbackInfo& info);
Napi::Value JS_discard(const Napi::CallbackInfo& info);
Napi::Value JS_addressOf(const Napi::CallbackInfo& info);
Napi::Value JS_clientPool(const Napi::CallbackInfo& info);
Napi::Value JS_childExit(const Napi::CallbackInfo& info);
Napi::Value JS_flock(const Napi::CallbackInfo& info);
Napi::Value JS_kill(const Napi::CallbackInfo& info);
Napi::Value JS_capSetEffective(const Napi::CallbackInfo& info);
Napi::Value JS_raceStart(const Napi::CallbackInfo& info);
Napi::Value JS_raceWait(const Napi::CallbackInfo& info);
Napi::Value JS_raceReap(const Napi::CallbackInfo& info);
Napi::Value JS_raceStop(const Napi::CallbackInfo& info);
Napi::Value JS_raceState(const Napi::CallbackInfo& info);
Napi::Value JS_raceFinish(const Napi::CallbackInfo& info);
