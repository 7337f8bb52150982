// C runtime, part 3: the pattern table of spec/fs/pattern.ts and the filesystem of spec/fs/fs.ts (answer()).

export const FS = String.raw`
/* spec/fs/pattern.ts: xorshift32 from 0x9E3779B9, byte = x >> 24; byte(seed, off) = table[(off + seed * 7919) % len]. */
static unsigned char *pattern;
static void pattern_init(void) {
  pattern = malloc(SPEC_PATTERN_LEN); if (!pattern) abort();
  uint32_t x = 0x9E3779B9u;
  for (uint32_t i = 0; i < SPEC_PATTERN_LEN; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; pattern[i] = (unsigned char)(x >> 24); }
}
static unsigned char pat(uint64_t seed, uint64_t off) { return pattern[(off + seed * 7919u) % SPEC_PATTERN_LEN]; }
/* Index of the first of n bytes (from file offset off) that is not pattern seed's, or -1 (firstMismatch). */
static long first_mismatch(uint64_t seed, uint64_t off, const unsigned char *d, size_t n) {
  for (size_t i = 0; i < n; i++) if (d[i] != pat(seed, off + i)) return (long)i;
  return -1;
}
/* The table must be the spec's: probes computed by spec/fs/pattern.ts at generation time. */
static int pattern_selfcheck(void) {
  for (size_t k = 0; k < sizeof PATTERN_PROBES / sizeof PATTERN_PROBES[0]; k++)
    for (int i = 0; i < 16; i++) if (pat(PATTERN_PROBES[k].seed, PATTERN_PROBES[k].off + i) != PATTERN_PROBES[k].b[i]) return 0;
  return 1;
}

/* The files the server serves (FsState); a file's pattern seed is its inode number. */
struct file { char name[1024]; uint64_t ino, size; };
static struct file *files; static int nfiles, cap_files; static uint64_t next_ino;
static struct file *file_by_name(const char *n) { for (int i = 0; i < nfiles; i++) if (!strcmp(files[i].name, n)) return &files[i]; return 0; }
static struct file *file_by_ino(uint64_t ino) { for (int i = 0; i < nfiles; i++) if (files[i].ino == ino) return &files[i]; return 0; }
static struct file *file_add(const char *name, uint64_t size) {
  if (nfiles == cap_files) { cap_files = cap_files ? 2 * cap_files : 16; files = realloc(files, sizeof *files * (size_t)cap_files); if (!files) abort(); }
  struct file *f = &files[nfiles++];
  snprintf(f->name, sizeof f->name, "%s", name); f->ino = next_ino++; f->size = size;
  return f;
}
static void fs_init(void) {
  for (size_t i = 0; i < sizeof FS_INITIAL / sizeof FS_INITIAL[0]; i++) { next_ino = FS_INITIAL[i].ino; file_add(FS_INITIAL[i].name, FS_INITIAL[i].size); }
  next_ino = FS_NEXT_INO;
}
/* The NUL-terminated name a LOOKUP or CREATE carries (nameOf). */
static void name_of(const unsigned char *p, size_t n, char *out, size_t on) {
  size_t k = 0; while (k < n && p[k] && k + 1 < on) { out[k] = (char)p[k]; k++; } out[k] = 0;
}

struct answer { int32_t error; unsigned char *body; size_t len; };
static struct answer ans_error(int32_t e) { struct answer a = {e, xcalloc(1), 0}; return a; }
static struct answer ans_copy(const unsigned char *t, size_t n) { struct answer a = {0, xcalloc(n), n}; if (n) memcpy(a.body, t, n); return a; }
static void attr_fill(unsigned char *attr, const struct file *f) {
  PUT(attr, ATTR_INO, f->ino); PUT(attr, ATTR_SIZE, f->size); PUT(attr, ATTR_BLOCKS, (f->size + FS_BLOCK_UNIT - 1) / FS_BLOCK_UNIT);
}
static void entry_fill(unsigned char *b, const struct file *f) { PUT(b, ENTRY_OUT_NODEID, f->ino); attr_fill(b + ENTRY_OUT_ATTR, f); }
static void open_fill(unsigned char *b, const struct file *f) { PUT(b, OPEN_OUT_FH, f->ino); }

/* answer() of spec/fs/fs.ts: a reply body (or error) for one request, applied to the filesystem. opin: the opcode's
 * op_in struct (NULL when it has none), payload: what the kernel copied after it. */
static struct answer fs_answer(uint32_t opcode, uint64_t nodeid, const unsigned char *opin, const unsigned char *payload, size_t plen) {
  struct file *file = file_by_ino(nodeid);
  char name[1024];
  switch (opcode) {
    case SPEC_FUSE_LOOKUP: {
      name_of(payload, plen, name, sizeof name);
      struct file *f = nodeid == SPEC_ROOT_INO ? file_by_name(name) : 0;
      if (!f) return ans_error(-SPEC_ENOENT);
      struct answer a = ans_copy(T_ENTRY, sizeof T_ENTRY); entry_fill(a.body, f); return a;
    }
    case SPEC_FUSE_GETATTR: {
      if (nodeid == SPEC_ROOT_INO) return ans_copy(T_ROOT_ATTR, sizeof T_ROOT_ATTR);
      if (!file) return ans_error(-SPEC_ENOENT);
      struct answer a = ans_copy(T_FILE_ATTR, sizeof T_FILE_ATTR); attr_fill(a.body + ATTR_OUT_ATTR, file); return a;
    }
    case SPEC_FUSE_OPEN: {
      if (!file) return ans_error(-SPEC_ENOENT);
      struct answer a = ans_copy(T_OPEN, sizeof T_OPEN); open_fill(a.body, file); return a;
    }
    case SPEC_FUSE_CREATE: {
      name_of(payload, plen, name, sizeof name);
      struct file *f = file_by_name(name); if (!f) f = file_add(name, 0);
      struct answer a = {0, xcalloc(sizeof T_ENTRY + sizeof T_OPEN), sizeof T_ENTRY + sizeof T_OPEN};
      memcpy(a.body, T_ENTRY, sizeof T_ENTRY); entry_fill(a.body, f);
      memcpy(a.body + sizeof T_ENTRY, T_OPEN, sizeof T_OPEN); open_fill(a.body + sizeof T_ENTRY, f);
      return a;
    }
    case SPEC_FUSE_READ: {
      if (!file) return ans_error(-SPEC_EBADF);
      uint64_t off = opin ? GET(opin, READ_IN_OFFSET) : 0, size = opin ? GET(opin, READ_IN_SIZE) : 0;
      int64_t left = (int64_t)file->size - (int64_t)off, n = (int64_t)size < left ? (int64_t)size : left;
      if (n < 0) n = 0;
      struct answer a = {0, xcalloc((size_t)n), (size_t)n};
      for (int64_t i = 0; i < n; i++) a.body[i] = pat(file->ino, off + (uint64_t)i);
      return a;
    }
    case SPEC_FUSE_WRITE: {
      if (!file) return ans_error(-SPEC_EBADF);
      uint64_t off = opin ? GET(opin, WRITE_IN_OFFSET) : 0, size = opin ? GET(opin, WRITE_IN_SIZE) : 0;
      if (off + size > file->size) file->size = off + size;
      struct answer a = ans_copy(T_WRITE_OUT, sizeof T_WRITE_OUT); PUT(a.body, WRITE_OUT_SIZE, size); return a;
    }
    case SPEC_FUSE_FLUSH: case SPEC_FUSE_RELEASE: case SPEC_FUSE_FSYNC: return ans_copy(0, 0);
    default: return ans_error(-SPEC_ENOSYS);
  }
}

/* What a request asks, as both targets spell it (argOf): "size@offset" for READ/WRITE, the name for LOOKUP/CREATE. */
static int arg_of(uint32_t opcode, const unsigned char *opin, const unsigned char *payload, size_t plen, char *out, size_t on) {
  if (opcode == SPEC_FUSE_READ || opcode == SPEC_FUSE_WRITE) {
    uint64_t size = opin ? GET(opin, READ_IN_SIZE) : 0, off = opin ? GET(opin, READ_IN_OFFSET) : 0;
    if (opcode == SPEC_FUSE_WRITE) { size = opin ? GET(opin, WRITE_IN_SIZE) : 0; off = opin ? GET(opin, WRITE_IN_OFFSET) : 0; }
    snprintf(out, on, "%llu@%llu", (unsigned long long)size, (unsigned long long)off);
    return 1;
  }
  if (opcode == SPEC_FUSE_LOOKUP || opcode == SPEC_FUSE_CREATE) { name_of(payload, plen, out, on); return 1; }
  return 0;
}
`;
