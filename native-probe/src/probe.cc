// The addon's export table; state lives in per-environment instance data.
#include "guards.h"
#include "ring.h"
#include "submitWatch.h"
#include "verbs.h"

Addon::~Addon() = default;

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Addon());
  exports.Set("open", Napi::Function::New(env, JS_open));
  exports.Set("close", Napi::Function::New(env, JS_close));
  exports.Set("ioctl", Napi::Function::New(env, JS_ioctl));
  exports.Set("waitAny", Napi::Function::New(env, JS_waitAny));
  exports.Set("pipe", Napi::Function::New(env, JS_pipe));
  exports.Set("read", Napi::Function::New(env, JS_read));
  exports.Set("write", Napi::Function::New(env, JS_write));
  exports.Set("mount", Napi::Function::New(env, JS_mount));
  exports.Set("umount2", Napi::Function::New(env, JS_umount2));
  exports.Set("setDeathSignal", Napi::Function::New(env, JS_setDeathSignal));
  exports.Set("ringSetup", Napi::Function::New(env, JS_ringSetup));
  exports.Set("ringSubmit", Napi::Function::New(env, JS_ringSubmit));
  exports.Set("ringReap", Napi::Function::New(env, JS_ringReap));
  exports.Set("ringSubmitBlocked", Napi::Function::New(env, JS_ringSubmitBlocked));
  exports.Set("holdSignals", Napi::Function::New(env, JS_holdSignals));
  exports.Set("watchPeriod", Napi::Function::New(env, JS_watchPeriod));
  exports.Set("ringRegister", Napi::Function::New(env, JS_ringRegister));
  exports.Set("ringClose", Napi::Function::New(env, JS_ringClose));
  exports.Set("alloc", Napi::Function::New(env, JS_alloc));
  exports.Set("protect", Napi::Function::New(env, JS_protect));
  exports.Set("unmap", Napi::Function::New(env, JS_unmap));
  exports.Set("discard", Napi::Function::New(env, JS_discard));
  exports.Set("addressOf", Napi::Function::New(env, JS_addressOf));
  exports.Set("clientPool", Napi::Function::New(env, JS_clientPool));
  exports.Set("childExit", Napi::Function::New(env, JS_childExit));
  exports.Set("flock", Napi::Function::New(env, JS_flock));
  exports.Set("kill", Napi::Function::New(env, JS_kill));
  exports.Set("capSetEffective", Napi::Function::New(env, JS_capSetEffective));
  exports.Set("raceStart", Napi::Function::New(env, JS_raceStart));
  exports.Set("raceWait", Napi::Function::New(env, JS_raceWait));
  exports.Set("raceReap", Napi::Function::New(env, JS_raceReap));
  exports.Set("raceStop", Napi::Function::New(env, JS_raceStop));
  exports.Set("raceState", Napi::Function::New(env, JS_raceState));
  exports.Set("raceFinish", Napi::Function::New(env, JS_raceFinish));
  return exports;
}

NODE_API_MODULE(furc_probe, Init)
