// An io_uring instance mapped in this process: raw pointers into the SQ/CQ rings.
#pragma once
#include <linux/io_uring.h>
#include <map>
#include <memory>
#include <stddef.h>
#include <stdint.h>
#include <vector>

struct Ring {
  int fd = -1;
  unsigned flags = 0;
  unsigned sqe_size = 64;
  void* sq_ptr = nullptr; size_t sq_len = 0;
  void* cq_ptr = nullptr; size_t cq_len = 0;
  void* sqes = nullptr; size_t sqes_len = 0;
  unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe* cqes;
};

class SubmitWatch;
struct Race;

// Per-environment state (worker threads each get their own).
struct Addon {
  std::map<int, Ring> rings;
  /**
   * alloc()ed mappings by base address: which of their pages are still mapped (page index → mapped), and the buffer's
   * finalizer state that owns the entry (a new alloc() at a base whose pages were all unmapped takes the entry over).
   */
  struct Live { std::vector<bool> mapped; const void* owner; };
  std::map<char*, Live> mappings;
  /** Where read() lands before the bytes it got are copied out: one buffer, not a fresh one of `size` per call. */
  std::vector<uint8_t> readBuf;
  /** Created on the first submission, in the thread that submits. */
  std::unique_ptr<SubmitWatch> watch;
  /** The environment's race (race.cc), if one was started and not finished; its deleter stops and joins it. */
  std::shared_ptr<Race> race;
  ~Addon();
};
