// The wire format between the worker and its pre-started client processes (src/kernel/clientOps.ts mirrors it).
#pragma once
#include <stddef.h>
#include <stdint.h>

enum ClientVerb : uint32_t {
  CLIENT_STAT = 1,      // stat(path)
  CLIENT_OPEN = 2,      // handle := open(path, flags, mode)
  CLIENT_READ = 3,      // read(handle, size) at offset (-1: file position); the bytes are checked against the pattern
  CLIENT_WRITE = 4,     // write(handle, size) of pattern bytes at offset (-1: file position)
  CLIENT_FSYNC = 5,     // fsync(handle)
  CLIENT_CLOSE = 6,     // close(handle)
  CLIENT_UMOUNT = 7,    // umount2(path, MNT_DETACH)
  CLIENT_STATLOOP = 8,  // stat(path) `size` times (the request benchmark)
  CLIENT_RESET = 9,     // close every handle (between cases)
  CLIENT_READLOOP = 10, // open(path) read-only, then `mode` preads of `size` bytes at 0, unchecked (the data benchmark)
};

struct ClientOp {
  uint32_t verb;
  int32_t cpu;     // pin to this CPU for the op; -1 leaves the affinity alone
  int32_t handle;  // slot 0..7 of the client's open files
  uint32_t flags;  // open(2) flags
  uint32_t mode;
  uint32_t seed;   // which pattern the data follows (a file's inode number)
  uint64_t size;
  int64_t offset;
  char path[472];
};
static_assert(sizeof(ClientOp) == 512, "ClientOp is 512 bytes");
static_assert(offsetof(ClientOp, size) == 24 && offsetof(ClientOp, offset) == 32 && offsetof(ClientOp, path) == 40, "ClientOp layout");

struct ClientResult {
  int64_t res;       // the syscall's return value (bytes for read/write), or -1
  int32_t err;       // errno when res < 0
  int32_t pad;
  int64_t mismatch;  // READ: index of the first byte that differs from the pattern, or -1
};
static_assert(sizeof(ClientResult) == 24, "ClientResult is 24 bytes");

/** Byte `off` of the data pattern `seed`: a fixed pseudo-random table, so a misplaced page cannot match. */
constexpr uint32_t PATTERN_LEN = 1048573;  // prime: no page-sized shift maps the table onto itself
