// C runtime, part 7: opening the connection (enable_uring, private mount namespace, ring, /dev/fuse, sync_init, mount,
// FUSE_INIT, capabilities), the Resolver's commit ids, teardown, and the selftest mode.

export const CONN = String.raw`
static char param_before[8];
static void param_write(const char *v) {
  int f = open("/sys/module/fuse/parameters/enable_uring", O_WRONLY | O_CLOEXEC);
  if (f >= 0) { if (write(f, v, 1) < 0) {} close(f); }
}
static void param_restore(void) { if (param_before[0]) param_write(param_before); }
static void param_set(const char *v) {
  int f = open("/sys/module/fuse/parameters/enable_uring", O_RDONLY | O_CLOEXEC);
  if (f < 0) { note("no fuse.enable_uring parameter"); return; }
  if (read(f, param_before, 1) < 0) param_before[0] = 0;
  close(f);
  atexit(param_restore);
  param_write(v);
}

/* effective = permitted & ~clear (native-probe capSetEffective). */
static int cap_set_effective(uint64_t clear) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2]; memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &hdr, data) < 0) return -errno;
  for (int i = 0; i < 2; i++) data[i].effective = data[i].permitted & ~(uint32_t)(clear >> (32 * i));
  return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* The connection id fusectl names a mount by: its device number (procfs.ts connectionId). */
static int connection_id(const char *dir) {
  char line[8192]; int id = -1; FILE *m = fopen("/proc/self/mountinfo", "r");
  while (m && fgets(line, sizeof line, m)) {
    unsigned ma, mi; char mp[512]; const char *fs = strstr(line, " - ");
    /* The fuse mount, not the tmpfs under it at the same point. */
    if (sscanf(line, "%*d %*d %u:%u %*s %511s", &ma, &mi, mp) == 3 && !strcmp(mp, dir) && fs && !strncmp(fs + 3, "fuse ", 5)) id = (int)(((ma & 0xfff) << 20) | mi);
  }
  if (m) fclose(m);
  return id;
}

/* Mounts, answers INIT as configured and sets up the ring (KernelConn.open). */
static void open_conn(void) {
  int r = ring_setup(RING_ENTRIES, CFG_SQE128 ? SPEC_IORING_SETUP_SQE128 : 0);
  if (r < 0) step_fail("io_uring_setup failed: %d", r);
#if CFG_BUFFER_TABLE > 0
  {
    /* Zero-copy's buffer table: CFG_BUFFER_TABLE sparse slots ({NULL, 0}) for the kernel to install request pages in. */
    unsigned char *iovs = xcalloc((size_t)IOVEC_SIZEOF * CFG_BUFFER_TABLE);
    int rc = (int)syscall(__NR_io_uring_register, ring_fd, SPEC_IORING_REGISTER_BUFFERS, iovs, CFG_BUFFER_TABLE);
    free(iovs);
    if (rc < 0) step_fail("IORING_REGISTER_BUFFERS of %d sparse slots failed: %d", CFG_BUFFER_TABLE, -errno);
  }
#endif
  fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse_fd < 0) step_fail("open /dev/fuse failed: %d", -errno);
#if CFG_SYNC_INIT
  if (CFG_MOUNT) step_fail("sync_init with a mount is not driven by this harness: mount(2) would wait for INIT");
  {
    /* Before 6.18 the ioctl does not exist (ENOTTY): the device then just stays unbound. */
    char b[32]; int s = ioctl(fuse_fd, SPEC_FUSE_DEV_IOC_SYNC_INIT, 0);
    note("FUSE_DEV_IOC_SYNC_INIT: %s", errno_name(s < 0 ? -errno : s, b));
  }
#endif
  if (!CFG_MOUNT) return;
  strcpy(mnt_dir, "/tmp/furc-repro-XXXXXX");
  if (!mkdtemp(mnt_dir)) step_fail("mkdtemp: %d", -errno);
  have_dir = 1;
  /* Under the mount, an empty read-only tmpfs: after a lazy umount a path walk finds nothing there (Conn.mountAndInit). */
  if (mount("furc-under", mnt_dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k") < 0) step_fail("mount read-only tmpfs on %s failed: %d", mnt_dir, -errno);
  have_under = 1;
  char o[160]; snprintf(o, sizeof o, "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
  if (mount("furc", mnt_dir, "fuse", MS_NOSUID | MS_NODEV, o) < 0) step_fail("mount fuse on %s failed: %d", mnt_dir, -errno);
  conn_id = connection_id(mnt_dir);
  if (conn_id < 0) step_fail("mount %s not in /proc/self/mountinfo", mnt_dir);
  struct pollfd p = {fuse_fd, POLLIN, 0};
  if (poll(&p, 1, scaled(INIT_WAIT)) <= 0) step_fail("no FUSE_INIT on /dev/fuse within %d ms", scaled(INIT_WAIT));
  ssize_t n = read(fuse_fd, dev_buf, DEV_READ_SIZE);
  if (n < (ssize_t)(IN_H_SIZEOF + INIT_IN_SIZEOF)) step_fail("read FUSE_INIT: %zd", n < 0 ? -errno : n);
  if (GET(dev_buf, IN_H_OPCODE) != SPEC_FUSE_INIT) step_fail("expected FUSE_INIT, got opcode %u", (unsigned)GET(dev_buf, IN_H_OPCODE));
  const unsigned char *in = dev_buf + IN_H_SIZEOF;
  uint64_t offered = GET(in, INIT_IN_FLAGS) | (GET(in, INIT_IN_FLAGS2) << 32);
  note("FUSE_INIT: %u.%u offers flags 0x%llx", (unsigned)GET(in, INIT_IN_MAJOR), (unsigned)GET(in, INIT_IN_MINOR), (unsigned long long)offered);
#if CFG_INIT
  unsigned char out[sizeof T_INIT_REPLY]; memcpy(out, T_INIT_REPLY, sizeof out);
  unsigned char *io = out + OUT_H_SIZEOF;
  uint64_t flags = (CFG_INIT_FLAGS & offered) | SPEC_FUSE_INIT_EXT;
  PUT(out, OUT_H_UNIQUE, GET(dev_buf, IN_H_UNIQUE));
  PUT(io, INIT_OUT_MINOR, GET(in, INIT_IN_MINOR)); PUT(io, INIT_OUT_MAX_READAHEAD, GET(in, INIT_IN_MAX_READAHEAD));
  PUT(io, INIT_OUT_FLAGS, flags & 0xffffffffu); PUT(io, INIT_OUT_FLAGS2, flags >> 32);
  if (write(fuse_fd, out, sizeof out) < 0) step_fail("write INIT reply failed: %d", -errno);
  note("FUSE_INIT answered with flags 0x%llx", (unsigned long long)flags);
#else
  note("FUSE_INIT left unanswered");
#endif
}

/* The Resolver (src/target/case.ts): the k-th request delivered so far (numbered by tag within each step), and the
 * queue of the SQE that carried it (a serve step's COMMITs count as queue 0: the resolver never saw their tags). */
static struct { uint64_t commit_id; int qid; } resolved[65536];
static int n_resolved;
static struct { char tag[64]; int qid; } qid_of[4096];
static int n_qid_of;
static void qid_of_set(const char *tag, int qid) {
  for (int i = 0; i < n_qid_of; i++) if (!strcmp(qid_of[i].tag, tag)) { qid_of[i].qid = qid; return; }
  if (n_qid_of < 4096) { snprintf(qid_of[n_qid_of].tag, sizeof qid_of[0].tag, "%s", tag); qid_of[n_qid_of++].qid = qid; }
}
static int qid_of_get(const char *tag) { for (int i = 0; i < n_qid_of; i++) if (!strcmp(qid_of[i].tag, tag)) return qid_of[i].qid; return 0; }
static int dlv_cmp(const void *a, const void *b) { return strcmp(((const struct dlv *)a)->tag, ((const struct dlv *)b)->tag); }
static void absorb(void) {
  qsort(step_dlv, (size_t)n_step_dlv, sizeof step_dlv[0], dlv_cmp);
  for (int i = 0; i < n_step_dlv && n_resolved < 65536; i++) { resolved[n_resolved].commit_id = step_dlv[i].commit_id; resolved[n_resolved++].qid = qid_of_get(step_dlv[i].tag); }
  n_step_dlv = 0;
}
/* A COMMIT's commit id and queue: delivered[k % n] (its queue when sameQueue), or one never issued. */
static void resolve_commit(int k, int same_queue, struct cmd *c) {
  if (k < 0 || n_resolved == 0) { c->commit_id = FORGED_COMMIT_ID; return; }
  c->commit_id = resolved[k % n_resolved].commit_id;
  if (same_queue) c->qid = resolved[k % n_resolved].qid;
}

/* Tears everything down; never leaves a mount, a client's open file or a connection behind (KernelConn.close). */
static void teardown(void) {
  jmp_buf j; jmp_buf *saved = fail_jmp; fail_jmp = &j;
  printf("teardown:\n");
  if (caps_dropped) { cap_set_effective(0); caps_dropped = 0; }
  if (conn_id >= 0) {
    fusectl_abort();
    if (setjmp(j) == 0) settle_until_idle(DEADLINE_TEARDOWN, "teardown abort"); else printf("  problem: %s\n", fail_msg);
  }
  if (setjmp(j) == 0) {
    for (int i = 0; i < nclients; i++) if (clients[i].has_op) { clients[i].has_op = 0; client_replace(i); }
    for (int i = 0; i < nclients; i++) if (clients[i].used) pool_submit(i, V_RESET, -1, 0, 0, 0, 0, 0, -1);
    double deadline = now_ms() + scaled(DEADLINE_TEARDOWN);
    int slots[256]; long res[256], mm[256];
    for (;;) {
      int waiting = 0; for (int i = 0; i < nclients; i++) waiting += clients[i].busy;
      if (!waiting) break;
      pool_poll(slots, res, mm);
      if (now_ms() > deadline) { for (int i = 0; i < nclients; i++) if (clients[i].busy) client_replace(i); break; }
      nap_ms(1);
    }
  } else printf("  problem: %s\n", fail_msg);
  if (!ring_exited && ring_fd >= 0) ring_close();
  ring_exited = 1;
  if (scratch_fd >= 0) close(scratch_fd);
  scratch_fd = -1;
  if (fuse_fd >= 0) close(fuse_fd);
  fuse_fd = -1;
  if (have_dir && !unmounted) { if (setjmp(j) == 0) umount_step(); else printf("  problem: %s\n", fail_msg); }
  if (have_under) umount2(mnt_dir, MNT_DETACH);
  have_under = 0;
  if (have_dir) rmdir(mnt_dir);
  if (conn_id >= 0) {
    /* The connection's fusectl directory goes when its last /dev/fuse reference does (the ring's exit work). */
    ensure_fusectl();
    char p[128]; snprintf(p, sizeof p, "/sys/fs/fuse/connections/%d", conn_id);
    double deadline = now_ms() + scaled(DEADLINE_EXIT);
    struct stat st;
    while (stat(p, &st) == 0) {
      if (now_ms() > deadline) { printf("  problem: teardown: fusectl connection %d still exists %d ms after abort, ring exit and umount\n", conn_id, scaled(DEADLINE_EXIT)); break; }
      nap_ms(1);
    }
  }
  fail_jmp = saved;
}

/* --selftest: the pattern table, then one fs request per stdin line ("opcode nodeid opin-hex|- payload-hex|-"),
 * answered as "error body-hex": the test compares these with spec/fs/fs.ts. No FUSE, no ring. */
static int hexval(int c) { return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0'; }
static unsigned char *unhex(const char *s, size_t *n) {
  if (!strcmp(s, "-")) { *n = 0; return 0; }
  *n = strlen(s) / 2; unsigned char *b = xcalloc(*n);
  for (size_t i = 0; i < *n; i++) b[i] = (unsigned char)(hexval(s[2 * i]) * 16 + hexval(s[2 * i + 1]));
  return b;
}
static int selftest(void) {
  page_size = sysconf(_SC_PAGESIZE);
  pattern_init(); fs_init();
  printf("pattern %s\n", pattern_selfcheck() ? "ok" : "MISMATCH");
  static char line[1 << 22], opin_hex[1 << 12], pay_hex[1 << 21];
  while (fgets(line, sizeof line, stdin)) {
    unsigned op; unsigned long long nodeid;
    if (sscanf(line, "%u %llu %4095s %2097151s", &op, &nodeid, opin_hex, pay_hex) != 4) continue;
    size_t on, pn; unsigned char *opin = unhex(opin_hex, &on), *pay = unhex(pay_hex, &pn);
    struct answer a = fs_answer(op, nodeid, opin, pay, pn);
    printf("%d ", a.error);
    for (size_t i = 0; i < a.len; i++) printf("%02x", a.body[i]);
    if (!a.len) printf("-");
    printf("\n");
    free(opin); free(pay); free(a.body);
  }
  return 0;
}

/* Runs the case: one line per step, then what it observed, one event per line. */
typedef void (*step_fn)(void);
static int run_case(const char *const *labels, const step_fn *steps, int nsteps) {
  setvbuf(stdout, 0, _IOLBF, 0);
  page_size = sysconf(_SC_PAGESIZE);
  const char *sc = getenv("FURC_TIME_SCALE"); if (sc && atof(sc) > 0) scale = atof(sc);
  pattern_init();
  if (!pattern_selfcheck()) { fprintf(stderr, "the pattern table differs from spec/fs/pattern.ts\n"); return 2; }
  fs_init();
  if (geteuid() != 0) { fprintf(stderr, "run as root: it mounts FUSE and writes fuse.enable_uring\n"); return 2; }
  dev_buf = xcalloc(DEV_READ_SIZE);
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_alarm; sigemptyset(&sa.sa_mask); sigaction(SIGALRM, &sa, 0);
  signal(SIGPIPE, SIG_IGN);
  param_set(CFG_ENABLE_URING ? "Y" : "N");
  if (unshare(CLONE_NEWNS) < 0 || mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) < 0) { perror("private mount namespace"); return 2; }
  jmp_buf j; fail_jmp = &j;
  int opened = 0;
  if (setjmp(j) == 0) {
    clients_grow(POOL_INITIAL);
    open_conn();
    if (CFG_CAP_CLEAR) { if (cap_set_effective(CFG_CAP_CLEAR) < 0) step_fail("drop capabilities failed"); caps_dropped = 1; }
    opened = 1;
  } else printf("open: error: %s\n", fail_msg);
  for (int i = 0; opened && i < nsteps; i++) {
    printf("step %d: %s\n", i + 1, labels[i]);
    n_step_dlv = 0;
    if (setjmp(j) == 0) { steps[i](); absorb(); }
    else { printf("  error: %s\n", fail_msg); break; }
  }
  fail_jmp = 0;
  teardown();
  clients_kill_all();
  return 0;
}
`;
