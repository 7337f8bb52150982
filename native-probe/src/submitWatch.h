// Watches an io_uring_enter that does not return: a helper thread samples the submitter every period (5 ms unless set)
// while submissions come (and sleeps when none has come for a while); one found armed at two samples a period apart has
// lasted that long, and only then are its state and wchan read. Asleep in FUSE code means blocked, and it is interrupted with a signal
// whose handler does nothing (the command then completes with the wait's error). A submission armed costs no syscall.
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
  /** Before io_uring_enter: every signal but the watch's own is held back (unless hold() already does), so a child's SIGCHLD cannot end a sleep. */
  /** firstNs > 0: look first after that long (and as often after), not after the sample period (a timer of its own). */
  void arm(bool watched, long firstNs = 0);
  void disarm(bool watched);
  /** Holds every signal but the watch's own from now until hold(false): the submissions in between skip their two mask changes. */
  void hold(bool on);
  /** The sample period from the next time sampling starts (after a quiet spell, or the first submission): 5 ms until set. */
  void setPeriod(long ns);
  /** Where the last armed submission was found asleep (its wchan), cleared by reading; empty if it never blocked. */
  std::string takeBlocked();

 private:
  void loop();
  void look(unsigned gen);
  int tick_ = -1;   // periodic samples while submissions come
  int soon_ = -1;   // a submission's own first look (firstNs)
  int wake_ = -1;   // the first submission after a quiet spell wakes the sleeping thread
  int stop_ = -1;
  pid_t tid_ = 0;
  std::string task_;
  std::atomic<unsigned> gen_{0};
  std::atomic<bool> armed_{false};
  std::atomic<bool> parked_{true};
  std::atomic<long> everyNs_{5'000'000};
  bool soonArmed_ = false;
  bool held_ = false;
  std::mutex mu_;
  std::string blocked_;
  std::thread thread_;
  sigset_t heldSet_, saved_, savedHold_;
};

SubmitWatch& submitWatch(Napi::Env env);
