// See submitWatch.h. The timer only decides when to look; "blocked" is decided by what the kernel says the task does.
#include "submitWatch.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "ring.h"

namespace {
// By default the first look comes after 5 ms, then every 5 ms: looking costs two /proc reads, so only slow submissions pay
// it, and a timer due before the next scheduler tick (4 ms at HZ=250) would reprogram the clock twice per submission. A
// caller that expects a sleep (a device only this thread could bind) asks for a sooner first look (arm's firstNs).
constexpr long FIRST_NS = 5'000'000, EVERY_NS = 5'000'000;
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
}  // namespace

SubmitWatch::SubmitWatch() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = onWake;  // no SA_RESTART: the interrupted wait returns to the kernel's caller with its error
  sigemptyset(&sa.sa_mask);
  sigaction(wakeSignal(), &sa, nullptr);
  tid_ = (pid_t)syscall(SYS_gettid);
  sigfillset(&held_);
  sigdelset(&held_, wakeSignal());
  timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  stop_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { loop(); });
}

SubmitWatch::~SubmitWatch() {
  uint64_t one = 1;
  if (write(stop_, &one, sizeof one) < 0) {}
  if (thread_.joinable()) thread_.join();
  close(timer_);
  close(stop_);
}

void SubmitWatch::arm(bool watched, long firstNs) {
  pthread_sigmask(SIG_BLOCK, &held_, &saved_);
  if (!watched) return;
  gen_.fetch_add(1);
  armed_.store(true);
  long first = firstNs > 0 ? firstNs : FIRST_NS;
  setTimer(timer_, first, first < EVERY_NS ? first : EVERY_NS);
}

void SubmitWatch::disarm(bool watched) {
  if (watched) {
    armed_.store(false);
    setTimer(timer_, 0, 0);
  }
  pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

std::string SubmitWatch::takeBlocked() {
  std::lock_guard<std::mutex> g(mu_);
  std::string s;
  s.swap(blocked_);
  return s;
}

void SubmitWatch::loop() {
  // Named, so the worker can tell it from an io-wq thread that is still being born (those start as a copy of "node").
  pthread_setname_np(pthread_self(), "furc-watch");
  // This thread never takes signals meant for the submitter.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  const std::string task = "/proc/self/task/" + std::to_string(tid_);
  for (;;) {
    struct pollfd p[2] = {{timer_, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    uint64_t ticks;
    if (read(timer_, &ticks, sizeof ticks) < 0) continue;
    unsigned gen = gen_.load();
    if (!armed_.load()) continue;
    std::string stat = readSmall(task + "/stat");
    size_t rp = stat.rfind(')');
    char state = rp != std::string::npos && rp + 2 < stat.size() ? stat[rp + 2] : '?';
    std::string wchan = readSmall(task + "/wchan");
    // Only an interruptible sleep in FUSE code is a block we can end; a slow or runnable submitter is left alone.
    if (state != 'S' || wchan.find("fuse") == std::string::npos) continue;
    if (!armed_.load() || gen_.load() != gen) continue;
    { std::lock_guard<std::mutex> g(mu_); blocked_ = wchan; }
    syscall(SYS_tgkill, getpid(), tid_, wakeSignal());
  }
}

SubmitWatch& submitWatch(Napi::Env env) {
  Addon& a = *env.GetInstanceData<Addon>();
  if (!a.watch) a.watch = std::make_unique<SubmitWatch>();
  return *a.watch;
}
