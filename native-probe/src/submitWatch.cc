// See submitWatch.h. The samples only decide when to look; "blocked" is decided by what the kernel says the task does.
#include "submitWatch.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "ring.h"

namespace {
// A submission is looked at once it has lasted a whole sample period (5 ms to 10 ms unless setPeriod says otherwise):
// looking costs two /proc reads, so only slow submissions pay it. Arming a timer per submission cost two
// timerfd_settime calls (a clock reprogramming each, a VM exit here): 2.5 µs of a 6.7 µs NOP submission. A caller that expects a sleep (a device only this thread
// could bind) asks for a sooner first look (arm's firstNs), which keeps a timer of its own.
// After this many samples with no submission the thread sleeps until the next one (a quiet worker costs nothing).
constexpr int QUIET_SAMPLES = 20;
int wakeSignal() { return SIGRTMIN + 5; }
void onWake(int) {}

std::string readSmall(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? std::string(buf, n) : "";
}

void setTimer(int fd, long firstNs, long everyNs) {
  struct itimerspec t = {{everyNs / 1'000'000'000, everyNs % 1'000'000'000}, {firstNs / 1'000'000'000, firstNs % 1'000'000'000}};
  timerfd_settime(fd, 0, &t, nullptr);
}

void drain(int fd) { uint64_t n; if (read(fd, &n, sizeof n) < 0) {} }

long monotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000L + ts.tv_nsec;
}
}  // namespace

SubmitWatch::SubmitWatch() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = onWake;  // no SA_RESTART: the interrupted wait returns to the kernel's caller with its error
  sigemptyset(&sa.sa_mask);
  sigaction(wakeSignal(), &sa, nullptr);
  tid_ = (pid_t)syscall(SYS_gettid);
  sigfillset(&heldSet_);
  sigdelset(&heldSet_, wakeSignal());
  task_ = "/proc/self/task/" + std::to_string(tid_);
  // Non-blocking: a drain after disarming finds nothing and must not wait for it.
  tick_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  soon_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  stop_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { loop(); });
}

SubmitWatch::~SubmitWatch() {
  uint64_t one = 1;
  if (write(stop_, &one, sizeof one) < 0) {}
  if (thread_.joinable()) thread_.join();
  if (held_) pthread_sigmask(SIG_SETMASK, &savedHold_, nullptr);
  for (int fd : {tick_, soon_, wake_, stop_}) close(fd);
}

void SubmitWatch::setPeriod(long ns) { everyNs_.store(ns); }

void SubmitWatch::hold(bool on) {
  if (on == held_) return;
  pthread_sigmask(on ? SIG_BLOCK : SIG_SETMASK, on ? &heldSet_ : &savedHold_, on ? &savedHold_ : nullptr);
  held_ = on;
}

void SubmitWatch::arm(bool watched, long firstNs) {
  if (!held_) pthread_sigmask(SIG_BLOCK, &heldSet_, &saved_);
  if (!watched) return;
  // Sequentially consistent with the thread's going to sleep: one of the two sees the other (a new gen, or parked).
  gen_.fetch_add(1);
  armed_.store(true);
  if (parked_.exchange(false)) { uint64_t one = 1; if (write(wake_, &one, sizeof one) < 0) {} }
  if (firstNs > 0 && firstNs < everyNs_.load()) { setTimer(soon_, firstNs, firstNs); soonArmed_ = true; }
}

void SubmitWatch::disarm(bool watched) {
  if (watched) {
    armed_.store(false);
    if (soonArmed_) { setTimer(soon_, 0, 0); soonArmed_ = false; }
  }
  if (!held_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

std::string SubmitWatch::takeBlocked() {
  std::lock_guard<std::mutex> g(mu_);
  std::string s;
  s.swap(blocked_);
  return s;
}

// Reads the submitter's state and wchan; interrupts it if submission `gen` is still the one armed and sleeps in FUSE.
void SubmitWatch::look(unsigned gen) {
  std::string stat = readSmall(task_ + "/stat");
  size_t rp = stat.rfind(')');
  char state = rp != std::string::npos && rp + 2 < stat.size() ? stat[rp + 2] : '?';
  std::string wchan = readSmall(task_ + "/wchan");
  // Only an interruptible sleep in FUSE code is a block we can end; a slow or runnable submitter is left alone.
  if (state != 'S' || wchan.find("fuse") == std::string::npos) return;
  if (!armed_.load() || gen_.load() != gen) return;
  { std::lock_guard<std::mutex> g(mu_); blocked_ = wchan; }
  syscall(SYS_tgkill, getpid(), tid_, wakeSignal());
}

void SubmitWatch::loop() {
  // Named, so the worker can tell it from an io-wq thread that is still being born (those start as a copy of "node").
  pthread_setname_np(pthread_self(), "furc-watch");
  // This thread never takes signals meant for the submitter.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  bool sampling = false;
  unsigned lastGen = 0;    // the submission count at the last sample
  bool seenArmed = false;  // a submission was armed then
  long armedSince = 0;     // when this thread first saw that submission armed
  int quiet = 0;
  for (;;) {
    struct pollfd p[4] = {{tick_, POLLIN, 0}, {soon_, POLLIN, 0}, {wake_, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (poll(p, 4, -1) < 0) continue;
    if (p[3].revents) return;
    if (p[2].revents) {
      drain(wake_);
      if (!sampling) { sampling = true; quiet = 0; seenArmed = false; lastGen = gen_.load(); long every = everyNs_.load(); setTimer(tick_, every, every); }
    }
    if (p[1].revents) {
      drain(soon_);
      unsigned gen = gen_.load();
      if (armed_.load()) look(gen);
    }
    if (!p[0].revents) continue;
    drain(tick_);
    unsigned gen = gen_.load();
    bool armed = armed_.load();
    // Still the submission seen armed a whole period ago, by this thread's clock: a late sample (the thread ran late,
    // its next tick comes sooner) must not make a 4 ms submission look like a 5 ms one.
    long now = monotonicNs();
    if (armed && seenArmed && gen == lastGen) { if (now - armedSince >= everyNs_.load()) look(gen); }
    else if (armed) armedSince = now;
    quiet = armed || gen != lastGen ? 0 : quiet + 1;
    seenArmed = armed;
    lastGen = gen;
    if (quiet < QUIET_SAMPLES) continue;
    parked_.store(true);
    // A submission that came before the store above did not see it: keep sampling for it.
    if (gen_.load() != lastGen) { parked_.store(false); quiet = 0; continue; }
    setTimer(tick_, 0, 0);
    drain(tick_);
    sampling = false;
    seenArmed = false;
  }
}

SubmitWatch& submitWatch(Napi::Env env) {
  Addon& a = *env.GetInstanceData<Addon>();
  if (!a.watch) a.watch = std::make_unique<SubmitWatch>();
  return *a.watch;
}
