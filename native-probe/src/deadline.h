// A point on CLOCK_MONOTONIC some milliseconds ahead, and the time left until it: waits that a signal cuts short go on
// with what is left.
#pragma once
#include <time.h>

class Deadline {
 public:
  explicit Deadline(double ms) : end_(nowNs() + (long long)(ms * 1e6)) {}
  /** Nanoseconds left, 0 once passed. */
  long long leftNs() const { long long l = end_ - nowNs(); return l > 0 ? l : 0; }
  struct timespec left() const { long long l = leftNs(); return {(time_t)(l / 1000000000LL), (long)(l % 1000000000LL)}; }

 private:
  static long long nowNs() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
  long long end_;
};
