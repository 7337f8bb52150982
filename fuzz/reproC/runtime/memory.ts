// C runtime, part 2: the server's memory as src/kernel/regions.ts places it (a header straddles a page boundary, a
// payload starts a page; 'head' is a region's first page, 'tail' the rest) and what the server may do with it.

export const MEMORY = String.raw`
enum { P_RW, P_READ, P_NONE, P_UNMAPPED };
enum { PART_ALL, PART_HEAD, PART_TAIL };
enum { A_VALID, A_NULL, A_UNMAPPED, A_KERNEL };

/* len bytes at map + at; head: the first page's protection, tail: the rest's (Region of regions.ts). */
struct region { char *map; size_t at, len; int head, tail; };

/* The next addresses of a window low in the address space, plus a guard page (nextAt of regions.ts): a page a case
   unmapped stays unmapped, since neither a later region nor a hint-less mmap (the highest free gap) lands there. */
static uint64_t arena_cursor = SPEC_ARENA_BASE;
static uint64_t arena_next(size_t bytes) {
  uint64_t len = ((bytes ? bytes : 1) + (uint64_t)page_size - 1) / (uint64_t)page_size * (uint64_t)page_size;
  if (arena_cursor + len + (uint64_t)page_size > (uint64_t)SPEC_ARENA_BASE + SPEC_ARENA_SIZE) arena_cursor = SPEC_ARENA_BASE;
  uint64_t at = arena_cursor;
  arena_cursor += len + (uint64_t)page_size;
  return at;
}

/* An anonymous private mapping in the arena, kept out of forked clients (native-probe alloc(size, at)). */
static char *map_pages(size_t bytes) {
  if (bytes == 0) bytes = 1;
  size_t len = (bytes + (size_t)page_size - 1) / (size_t)page_size * (size_t)page_size;
  char *p = MAP_FAILED;
  for (int tries = 0; p == MAP_FAILED && tries < 64; tries++) {
    void *at = (void *)(uintptr_t)arena_next(bytes);
    p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED && p != at) { munmap(p, len); p = MAP_FAILED; errno = EEXIST; }
    if (p == MAP_FAILED && errno != EEXIST) break;
  }
  if (p == MAP_FAILED) step_fail("mmap of %zu bytes failed: %d", bytes, -errno);
  madvise(p, len, MADV_DONTFORK);
  return p;
}

/* 'start': at the start of its own pages; 'straddle': its middle on a page boundary (Memory.region). */
static struct region *region_new(size_t len, int straddle) {
  size_t n = len ? len : 1;
  struct region *r = xcalloc(sizeof *r);
  r->at = straddle ? PAGE - n / 2 : 0;
  r->map = map_pages(r->at + n);
  r->len = n;
  return r;
}
static char *region_ptr(struct region *r) { return r->map + r->at; }
static uint64_t region_addr(struct region *r) { return (uint64_t)(uintptr_t)region_ptr(r); }
/* Bytes of the region in its first page. */
static size_t region_split(struct region *r) { return r->at / PAGE * PAGE + PAGE - r->at; }
static int region_readable(struct region *r) {
  return (r->head == P_RW || r->head == P_READ) && (r->tail == P_RW || r->tail == P_READ);
}
/* Bytes [from, to) for the server to write, or NULL when any page they lie in is not writable. */
static char *writable_range(struct region *r, size_t from, size_t to) {
  if (!r || to > r->len) return 0;
  if (to > from) {
    size_t s = region_split(r);
    if (from < s && r->head != P_RW) return 0;
    if (to > s && r->tail != P_RW) return 0;
  }
  return region_ptr(r) + from;
}
/* Bytes [from, to) for the server to read, or NULL when any page they lie in is not readable. */
static char *readable_range(struct region *r, size_t from, size_t to) {
  if (!r || to > r->len) return 0;
  if (to > from) {
    size_t s = region_split(r);
    if (from < s && r->head != P_RW && r->head != P_READ) return 0;
    if (to > s && r->tail != P_RW && r->tail != P_READ) return 0;
  }
  return region_ptr(r) + from;
}
static const char *PROT_NAME[] = {"rw", "read", "none", "unmapped"};
/* mprotect/munmap of the region's first page, the pages after it, or both (Region.set). */
static void region_set(struct region *r, int prot, int part) {
  size_t first = r->at / PAGE * PAGE, last = r->at + r->len - 1, split = first + PAGE;
  size_t off[2], len[2]; int which[2], n = 0;
  if (part != PART_TAIL) { off[n] = first; len[n] = (split < last + 1 ? split : last + 1) - first; which[n++] = 0; }
  if (part != PART_HEAD && last >= split) { off[n] = split; len[n] = last + 1 - split; which[n++] = 1; }
  for (int i = 0; i < n; i++) {
    int *cur = which[i] ? &r->tail : &r->head;
    if (*cur == P_UNMAPPED) continue;
    size_t whole = (len[i] + (size_t)page_size - 1) / (size_t)page_size * (size_t)page_size;
    int mp = prot == P_RW ? PROT_READ | PROT_WRITE : prot == P_READ ? PROT_READ : PROT_NONE;
    int rc = prot == P_UNMAPPED ? munmap(r->map + off[i], whole) : mprotect(r->map + off[i], whole, mp);
    if (rc < 0) step_fail("%s of %zu bytes at +%zu failed: %d", prot == P_UNMAPPED ? "munmap" : "mprotect", len[i], off[i], -errno);
    *cur = prot;
  }
  if (part != PART_HEAD && last < split) r->tail = r->head;
}

/* A user address with nothing mapped at it: the middle of 16 arena pages nothing maps (Memory.address). */
static uint64_t unmapped_address(void) { return arena_next((size_t)page_size * 16) + (uint64_t)page_size * 8; }
/* The address an Addr names: a fresh region for 'valid', or one of the invalid kinds (Memory.address). */
static uint64_t address_of(int kind, size_t len, int straddle, struct region **out) {
  *out = 0;
  switch (kind) {
    case A_VALID: *out = region_new(len, straddle); return region_addr(*out);
    case A_NULL: return 0;
    case A_UNMAPPED: return unmapped_address();
    default: return SPEC_KERNEL_ADDR;
  }
}
`;
