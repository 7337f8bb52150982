// Watches an io_uring_enter that does not return: a helper thread, woken by a timerfd only when a submission
// outlasts its first check, reads the submitter's state and wchan; asleep in FUSE code means blocked, and it is
// interrupted with a signal whose handler does nothing (the command then completes with the wait's error).
#pragma once
#include <napi.h>
#include <signal.h>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

class SubmitWatch {
 public:
  SubmitWatch();
  ~SubmitWatch();
  /** Before io_uring_enter: every signal but the watch's own is held back, so a child's SIGCHLD cannot end a sleep. */
  /** firstNs > 0: look first after that long (and as often after), not after the default 5 ms. */
  void arm(bool watched, long firstNs = 0);
  void disarm(bool watched);
  /** Where the last armed submission was found asleep (its wchan), cleared by reading; empty if it never blocked. */
  std::string takeBlocked();

 private:
  void loop();
  int timer_ = -1;
  int stop_ = -1;
  pid_t tid_ = 0;
  std::atomic<unsigned> gen_{0};
  std::atomic<bool> armed_{false};
  std::mutex mu_;
  std::string blocked_;
  std::thread thread_;
  sigset_t held_, saved_;
};

SubmitWatch& submitWatch(Napi::Env env);
