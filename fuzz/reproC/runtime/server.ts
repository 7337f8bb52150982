// C runtime, part 6: the server side of src/kernel/conn.ts: ring entries and what they hold, buffer pools (plain and
// registered in the ring's fixed-buffer arena), commands and their replies, serve, /dev/fuse, settling a step.

export const SERVER = String.raw`
/* What the kernel put in an entry (Delivered + FsRequest): kept until a COMMIT answers it. */
struct held {
  uint32_t opcode, payload_sz; uint64_t unique, nodeid, commit_id, flags;
  int has_offset; uint32_t offset;
  unsigned char *opin; /* op_in bytes when the opcode has an op_in struct, else NULL */
  unsigned char *payload; size_t plen;
};
/* A REGISTERed entry: its regions, the tag of the SQE it holds now (its REGISTER's, then each accepted COMMIT's). */
struct entry { char reg_tag[64]; char sqe_tag[64]; int qid; struct region *hdr, *pay; struct held *held; int zc_index; };
static struct entry *entries[4096]; static int nentries; /* in order of registration */
struct pool { int qid; struct region *r; int fixed; };
static struct pool pools[1024]; static int npools;
struct bycommit { uint64_t id; struct entry *e; };
static struct bycommit *bycommit; static int nbycommit, cap_bycommit;
static uint64_t last_delivered[65536];
/* Per submitted SQE (user_data): its step tag, command, queue and the entry it belongs to (REGISTER, COMMIT); whether
 * its CQE said it was interrupted, or refused. */
struct sub { uint64_t ud; char *tag; uint32_t op; int qid; struct entry *entry; int interrupted, refused; struct region *pool; int pool_fixed; };
static struct sub *subs; static int nsubs, cap_subs;
/* Requests read from /dev/fuse (with the pid of the client that sent it), answered by dev_reply steps. */
struct devreq { uint64_t unique, nodeid; uint32_t opcode, pid; unsigned char *opin, *payload; size_t plen; };
static struct devreq devq[4096]; static int ndevq;

static int fuse_fd = -1, cfg_mount = CFG_MOUNT, have_dir, have_under, unmounted, conn_id = -1, caps_dropped;
static char mnt_dir[128];
static unsigned char *dev_buf;

/* Requests delivered in the current step, numbered by tag at its end (Resolver.absorb). */
struct dlv { char tag[64]; uint64_t commit_id; };
static struct dlv step_dlv[8192]; static int n_step_dlv;

static struct pool *pool_of(int qid) { for (int i = 0; i < npools; i++) if (pools[i].qid == qid) return &pools[i]; return 0; }
static void pool_set(int qid, struct region *r, int fixed) {
  struct pool *p = pool_of(qid);
  if (!p) { if (npools == (int)(sizeof pools / sizeof pools[0])) step_fail("too many pools"); p = &pools[npools++]; }
  p->qid = qid; p->r = r; p->fixed = fixed;
}
static struct entry *entry_by_reg(const char *tag) { for (int i = 0; i < nentries; i++) if (!strcmp(entries[i]->reg_tag, tag)) return entries[i]; return 0; }
static struct entry *bycommit_get(uint64_t id) { for (int i = nbycommit - 1; i >= 0; i--) if (bycommit[i].id == id) return bycommit[i].e; return 0; }
static void bycommit_set(uint64_t id, struct entry *e) {
  for (int i = 0; i < nbycommit; i++) if (bycommit[i].id == id) { bycommit[i].e = e; return; }
  if (nbycommit == cap_bycommit) { cap_bycommit = cap_bycommit ? 2 * cap_bycommit : 64; bycommit = realloc(bycommit, sizeof *bycommit * (size_t)cap_bycommit); if (!bycommit) abort(); }
  bycommit[nbycommit].id = id; bycommit[nbycommit++].e = e;
}
static struct sub *sub_find(uint64_t ud) { for (int i = nsubs - 1; i >= 0; i--) if (subs[i].ud == ud) return &subs[i]; return 0; }
static void sub_add(uint64_t ud, const char *tag, uint32_t op, int qid, struct entry *e) {
  if (nsubs == cap_subs) { cap_subs = cap_subs ? 2 * cap_subs : 64; subs = realloc(subs, sizeof *subs * (size_t)cap_subs); if (!subs) abort(); }
  struct sub s = {ud, xstrdup(tag), op, qid, e, 0, 0, 0, -1}; subs[nsubs++] = s;
}
static void held_free(struct held *h) { if (h) { free(h->opin); free(h->payload); free(h); } }

/* The ring's registered-buffer arena (src/kernel/arena.ts, placed as spec/conn/serverTable.ts's placeFixedPool says):
 * with no table yet, one of index + 1 slots is registered, sparse below the arena at buf_index; with a zero-copy table
 * the arena goes into slot buf_index when it is inside it (IORING_REGISTER_BUFFERS_UPDATE); another index, a slot past
 * the table or a full arena gets plain memory. */
static struct region *arena; static int arena_index = -1; static size_t arena_used; static int table_slots = CFG_BUFFER_TABLE;
static struct region *fixed_region(size_t len, int index) {
  if (arena_index < 0) {
    /* A slot whose zero-copy pages an entry still holds is not the server's to update. */
    int held = 0;
    for (int i = 0; i < nentries; i++) held |= entries[i]->zc_index == index && entries[i]->held && (entries[i]->held->flags & SPEC_FUSE_URING_ENT_ZERO_COPY);
    if (table_slots > 0 && (index >= table_slots || held)) return region_new(len, 0);
    struct region *r = region_new(ARENA_SIZE, 0);
    int rc;
    if (table_slots == 0) {
      unsigned char *iovs = xcalloc((size_t)IOVEC_SIZEOF * (size_t)(index + 1));
      PUT(iovs + (size_t)IOVEC_SIZEOF * (size_t)index, IOVEC_BASE, region_addr(r));
      PUT(iovs + (size_t)IOVEC_SIZEOF * (size_t)index, IOVEC_LEN, ARENA_SIZE);
      rc = (int)syscall(__NR_io_uring_register, ring_fd, SPEC_IORING_REGISTER_BUFFERS, iovs, index + 1);
      free(iovs);
      if (rc < 0) step_fail("IORING_REGISTER_BUFFERS of the arena at slot %d failed: %d", index, -errno);
      table_slots = index + 1;
    } else {
      unsigned char iov[IOVEC_SIZEOF], up[RSRC_UP_SIZEOF];
      memset(iov, 0, sizeof iov); memset(up, 0, sizeof up);
      PUT(iov, IOVEC_BASE, region_addr(r)); PUT(iov, IOVEC_LEN, ARENA_SIZE);
      PUT(up, RSRC_UP_OFFSET, index); PUT(up, RSRC_UP_DATA, (uint64_t)(uintptr_t)iov); PUT(up, RSRC_UP_NR, 1);
      rc = (int)syscall(__NR_io_uring_register, ring_fd, SPEC_IORING_REGISTER_BUFFERS_UPDATE, up, RSRC_UP_SIZEOF);
      if (rc < 0) step_fail("IORING_REGISTER_BUFFERS_UPDATE of the arena at slot %d failed: %d", index, -errno);
    }
    arena = r; arena_index = index; arena_used = 0;
    note("arena: %zu bytes at buf_index %d", (size_t)ARENA_SIZE, index);
  }
  if (index != arena_index || arena_used + len > ARENA_SIZE) return region_new(len, 0);
  struct region *r = xcalloc(sizeof *r);
  r->map = arena->map; r->at = arena_used; r->len = len;
  arena_used += (len + PAGE - 1) / PAGE * PAGE;
  return r;
}

/* Where an entry's payload is: its own region at 0, or its queue's pool at ent_in_out.offset (payloadRegion). */
static struct region *payload_region(struct entry *e, struct held *d, size_t *at) {
  struct pool *p = pool_of(e->qid);
  *at = 0;
  if (!e->pay && p) { *at = d && d->has_offset ? d->offset : 0; return p->r; }
  return e->pay;
}
/* Whether a WRITE's payload holds the bytes the client wrote (the file's pattern at that offset). */
static void write_data(struct held *d, char *out, size_t on) {
  uint64_t size = d->opin ? GET(d->opin, WRITE_IN_SIZE) : 0, off = d->opin ? GET(d->opin, WRITE_IN_OFFSET) : 0;
  struct file *f = file_by_ino(d->nodeid);
  if (!f) { snprintf(out, on, "unknown-file"); return; }
  if (d->plen < size) { snprintf(out, on, "short@%zu", d->plen); return; }
  long m = first_mismatch(f->ino, off, d->payload, (size_t)size);
  if (m < 0) snprintf(out, on, "ok"); else snprintf(out, on, "mismatch@%ld", m);
}

/* The server's own reads and writes on its ring (src/kernel/zeroCopy.ts): each at offset 0 of an O_TMPFILE scratch
 * file, reaped until its CQE while every other CQE is handled as usual (a delivery may start another one). */
static struct { uint64_t ud; int32_t res; } io_done[64]; static int nio_done;
static int scratch_fd = -1;
static int32_t server_io(int opcode, uint64_t addr, uint32_t len, int buf_index) {
  if (scratch_fd < 0 && (scratch_fd = open("/tmp", O_RDWR | SPEC_O_TMPFILE | O_CLOEXEC, 0600)) < 0) step_fail("open(O_TMPFILE) in /tmp failed: %d", -errno);
  unsigned char sqe[RW_SIZEOF]; memset(sqe, 0, sizeof sqe);
  uint64_t ud = SERVER_IO_BIT | next_ud++;
  PUT(sqe, RW_OPCODE, opcode); PUT(sqe, RW_FD, (uint32_t)scratch_fd); PUT(sqe, RW_OFF, 0); PUT(sqe, RW_ADDR, addr); PUT(sqe, RW_LEN, len);
  PUT(sqe, RW_USER_DATA, ud); PUT(sqe, RW_BUF_INDEX, buf_index);
  int blocked;
  if (ring_submit(sqe, 0, &blocked) < 0) step_fail("server I/O not submitted");
  double deadline = now_ms() + scaled(DEADLINE_FENCE);
  for (;;) {
    for (int i = 0; i < nio_done; i++) if (io_done[i].ud == ud) { int32_t r = io_done[i].res; io_done[i] = io_done[--nio_done]; return r; }
    if (now_ms() > deadline) step_fail("server I/O not completed within %d ms", scaled(DEADLINE_FENCE));
    reap(5);
  }
}
/* A zero-copied READ's answer into the client's pages at the entry's slot: to the scratch file, then READ_FIXED. */
static int32_t zc_fill(int slot, const unsigned char *bytes, size_t len) {
  if (!len) return 0;
  char *from = map_pages(len); memcpy(from, bytes, len);
  int32_t w = server_io(SPEC_IORING_OP_WRITE, (uint64_t)(uintptr_t)from, (uint32_t)len, 0);
  munmap(from, len);
  if (w != (int32_t)len) step_fail("scratch write of %zu bytes returned %d", len, w);
  return server_io(SPEC_IORING_OP_READ_FIXED, 0, (uint32_t)len, slot);
}
/* A zero-copied WRITE's bytes from the client's pages at the entry's slot: WRITE_FIXED to the scratch file, then READ. */
static int32_t zc_drain(int slot, size_t len, unsigned char **out) {
  *out = 0;
  if (!len) return 0;
  int32_t w = server_io(SPEC_IORING_OP_WRITE_FIXED, 0, (uint32_t)len, slot);
  if (w <= 0) return w;
  char *into = map_pages((size_t)w);
  int32_t r = server_io(SPEC_IORING_OP_READ, (uint64_t)(uintptr_t)into, (uint32_t)w, 0);
  if (r != w) step_fail("scratch read of %d bytes returned %d", w, r);
  *out = xcalloc((size_t)w); memcpy(*out, into, (size_t)w); munmap(into, (size_t)w);
  return w;
}

/* Records a request the kernel put in an entry and says what it found there, payload bytes included. */
static void delivered(struct entry *e, struct sub *s, uint32_t cqe_flags) {
  if (e->hdr->len < HDR_SIZEOF) step_fail("%s: need %d bytes, got %zu", REQ_HEADER_NAME, HDR_SIZEOF, e->hdr->len);
  const unsigned char *h = (unsigned char *)region_ptr(e->hdr), *ent = h + HDR_ENT;
  struct held *d = xcalloc(sizeof *d);
  d->opcode = (uint32_t)GET(h + HDR_IN_OUT, IN_H_OPCODE); d->unique = GET(h + HDR_IN_OUT, IN_H_UNIQUE); d->nodeid = GET(h + HDR_IN_OUT, IN_H_NODEID);
  d->commit_id = GET(ent, ENT_COMMIT_ID); d->payload_sz = (uint32_t)GET(ent, ENT_PAYLOAD_SZ); d->flags = GET(ent, ENT_FLAGS);
#if ENT_OFFSET >= 0
  d->has_offset = 1; d->offset = (uint32_t)GET(ent, ENT_OFFSET);
#endif
  if (opin_size(d->opcode) >= 0) { d->opin = xcalloc(HDR_OP_IN_W); memcpy(d->opin, h + HDR_OP_IN, HDR_OP_IN_W); }
  /* Just the bytes the kernel wrote, when the server can read them all. */
  size_t at; struct region *pr = payload_region(e, d, &at);
  const char *v = pr ? readable_range(pr, at, at + d->payload_sz) : 0;
  d->plen = v ? d->payload_sz : 0;
  d->payload = xcalloc(d->plen); if (d->plen) memcpy(d->payload, v, d->plen);
  /* A zero-copied WRITE's data is in the client's pages at the entry's slot: the server reads them with WRITE_FIXED. */
  int32_t drain_err = 0;
  if ((d->flags & SPEC_FUSE_URING_ENT_ZERO_COPY) && d->opcode == SPEC_FUSE_WRITE) {
    unsigned char *got; int32_t n = zc_drain(e->zc_index, d->payload_sz, &got);
    free(d->payload); d->payload = got; d->plen = n > 0 ? (size_t)n : 0;
    if (n < 0) drain_err = n;
  }
  held_free(e->held); e->held = d;
  bycommit_set(d->commit_id, e);
  last_delivered[s->qid & 0xffff] = d->commit_id;
  char line[4096], arg[1100], data[64]; int n;
  n = snprintf(line, sizeof line, "cqe %s 0 req(opcode=%u payload_sz=%u%s nodeid=%llu", s->tag, d->opcode, d->payload_sz,
    d->commit_id == d->unique ? "" : " commit_id≠unique", (unsigned long long)d->nodeid);
  if (arg_of(d->opcode, d->opin, d->payload, d->plen, arg, sizeof arg)) n += snprintf(line + n, sizeof line - (size_t)n, " arg=%s", arg);
  if (d->flags) n += snprintf(line + n, sizeof line - (size_t)n, " flags=0x%llx", (unsigned long long)d->flags);
  if (pool_of(s->qid) && !e->pay && d->has_offset) n += snprintf(line + n, sizeof line - (size_t)n, " offset=%u", d->offset);
  if (d->opcode == SPEC_FUSE_WRITE) {
    char b[32];
    if (drain_err) snprintf(data, sizeof data, "write_fixed %s", errno_name(drain_err, b)); else write_data(d, data, sizeof data);
    n += snprintf(line + n, sizeof line - (size_t)n, " data=%s", data);
  }
  n += snprintf(line + n, sizeof line - (size_t)n, ")");
  if (cqe_flags & SPEC_IORING_CQE_F_BUFFER) snprintf(line + n, sizeof line - (size_t)n, " buf_id=%u", cqe_flags >> SPEC_IORING_CQE_BUFFER_SHIFT);
  event("%s", line);
  if (n_step_dlv < (int)(sizeof step_dlv / sizeof step_dlv[0])) { snprintf(step_dlv[n_step_dlv].tag, sizeof step_dlv[0].tag, "%s", s->tag); step_dlv[n_step_dlv++].commit_id = d->commit_id; }
}

static void handle_cqe(uint64_t ud, int32_t res, uint32_t flags) {
  if (ud & FENCE_BIT) { if (nfenced < (int)(sizeof fenced / sizeof fenced[0])) fenced[nfenced++] = ud; return; }
  if (ud & SERVER_IO_BIT) { if (nio_done < (int)(sizeof io_done / sizeof io_done[0])) { io_done[nio_done].ud = ud; io_done[nio_done++].res = res; } return; }
  struct sub *s = sub_find(ud);
  if (!s) return;
  if (res == -SPEC_ERESTARTSYS || res == -SPEC_EINTR) s->interrupted = 1;
  if (res < 0) s->refused = 1;
  /* The queue's pool is this one only once the kernel says 0 (a refused ADD_BUFPOOL leaves the earlier pool). */
  if (s->op == SPEC_CMD_ADD_BUFPOOL && res == 0 && s->pool) pool_set(s->qid, s->pool, s->pool_fixed);
  struct entry *e = s->entry;
  char b[32];
  if (res == 0 && (s->op == SPEC_CMD_REGISTER || s->op == SPEC_CMD_COMMIT) && e && e->hdr && region_readable(e->hdr)) delivered(e, s, flags);
  else event("cqe %s %s", s->tag, errno_name(res, b));
}

/* One URING_CMD as a step gives it (UringCmdSpec): the SQE template is spec-encoded, the rest is filled in here. */
struct iovspec { int kind; uint64_t len; };
struct cmd {
  const char *tag; const unsigned char *tmpl; uint32_t op; int qid;
  int commit_mode; uint64_t commit_id; /* 0: this id, 1: 'current', 2: 'unknown' */
  int iov_array, niov; struct iovspec iov[4];
  int has_bufpool, bufpool_kind; uint64_t bufpool_len; int fixed, buf_index;
  int reply_unique; int32_t reply_error; long reply_psz; /* reply_unique 0 match, 1 zero, 2 other; reply_psz -1: exact */
  int serve_fixed; /* serve's COMMIT on a registered pool: its buf_index, else -1 */
  int zc_index; /* REGISTER: ent_zero_copy_buf_index */
};

/* Writes the server's reply into the entry's header and payload before COMMIT_AND_FETCH, each part only where the
 * memory is writable (prepareCommit). The server acts on the request only when it answers with success. */
static struct entry *prepare_commit(const struct cmd *c, uint64_t cid) {
  /* The server writes only into the entry holding the request it names, on that entry's queue: any other id is refused
   * before the kernel reads memory, and a reply written there would be another request's header. */
  struct entry *ent = bycommit_get(cid);
  for (int i = 0; !ent && i < nentries; i++) if (entries[i]->qid == c->qid) ent = entries[i];
  if (!ent) return 0;
  struct held *held = ent->held && ent->held->commit_id == cid ? ent->held : 0;
  if (!held || ent->qid != c->qid) return ent;
  struct answer a = c->reply_error == 0 ? fs_answer(held->opcode, held->nodeid, held->opin, held->payload, held->plen) : ans_error(c->reply_error);
  ent->held = 0;
  int32_t error = c->reply_error != 0 ? c->reply_error : a.error;
  size_t blen = error == 0 ? a.len : 0;
  uint64_t psz = c->reply_psz < 0 ? blen : (uint64_t)c->reply_psz;
  uint64_t unique = c->reply_unique == 0 ? cid : c->reply_unique == 1 ? 0 : cid + (1ull << 30);
  if (ent->hdr) {
    char *oh = writable_range(ent->hdr, HDR_IN_OUT, HDR_IN_OUT + OUT_H_SIZEOF);
    if (oh) { PUT(oh, OUT_H_LEN, OUT_H_SIZEOF + psz); PUT(oh, OUT_H_ERROR, (uint32_t)error); PUT(oh, OUT_H_UNIQUE, unique); }
    char *ps = writable_range(ent->hdr, HDR_ENT + ENT_PAYLOAD_SZ, HDR_ENT + ENT_PAYLOAD_SZ + ENT_PAYLOAD_SZ_W);
    if (ps) put_le(ps, 0, ENT_PAYLOAD_SZ_W, psz);
  }
  /* A zero-copied READ's answer goes into the client's pages, installed in the entry's slot of the buffer table. */
  if ((held->flags & SPEC_FUSE_URING_ENT_ZERO_COPY) && held->opcode == SPEC_FUSE_READ) {
    int32_t got = zc_fill(ent->zc_index, (const unsigned char *)a.body, blen);
    if (got != (int32_t)blen) step_fail("READ_FIXED of %zu bytes into buffer slot %d returned %d", blen, ent->zc_index, got);
  } else {
    size_t at; struct region *target = payload_region(ent, held, &at);
    /* What payload_sz names past the answer is zeros (never past the ring's max payload): the kernel's copy is known. */
    size_t padded = psz < MAX_PAYLOAD_SZ ? psz : MAX_PAYLOAD_SZ; /* spec/rules/payload.ts paddedReplyLength */
    if (padded < blen) padded = blen;
    char *into = target ? writable_range(target, at, at + padded) : 0;
    if (!into && target) { into = writable_range(target, at, at + blen); padded = blen; }
    if (into && padded) { memset(into, 0, padded); if (blen) memcpy(into, a.body, blen); }
  }
  free(a.body); held_free(held);
  return ent;
}

static void settle(int deadline_ms);
/* Runs one command: its memory, its bookkeeping, the SQE, the fence, then whatever it caused (uringCmd). */
static void run_cmd(const struct cmd *c) {
  char b[32];
  if (ring_exited) { event("cqe %s %s", c->tag, errno_name(-SPEC_EBADF, b)); return; }
  uint64_t iova[4]; struct region *ir[4] = {0, 0, 0, 0};
  for (int i = 0; i < c->niov; i++) iova[i] = address_of(c->iov[i].kind, c->iov[i].len, i == 0, &ir[i]);
  uint64_t arr;
  if (c->iov_array == A_VALID) {
    size_t n = c->niov > 0 ? (size_t)c->niov : 1;
    char *iovs = map_pages(IOVEC_SIZEOF * n);
    for (int i = 0; i < c->niov; i++) { PUT(iovs + IOVEC_SIZEOF * i, IOVEC_BASE, iova[i]); PUT(iovs + IOVEC_SIZEOF * i, IOVEC_LEN, c->iov[i].len); }
    arr = (uint64_t)(uintptr_t)iovs;
  } else { struct region *none; arr = address_of(c->iov_array, 0, 0, &none); }
  uint64_t cur = last_delivered[c->qid & 0xffff];
  uint64_t cid = c->commit_mode == 0 ? c->commit_id : c->commit_mode == 1 ? cur : cur + (1ull << 40);
  uint64_t bp = 0;
  struct region *pending_pool = 0; int pending_fixed = -1;
  if (c->op == SPEC_CMD_ADD_BUFPOOL && c->has_bufpool) {
    struct region *r = 0;
    if (c->fixed && c->bufpool_kind == A_VALID) { r = fixed_region(c->bufpool_len, c->buf_index); bp = region_addr(r); }
    else bp = address_of(c->bufpool_kind, c->bufpool_len, 0, &r);
    pending_pool = r; pending_fixed = c->fixed ? c->buf_index : -1;
  }
  struct entry *entry = 0;
  if (c->op == SPEC_CMD_REGISTER) {
    if (nentries == (int)(sizeof entries / sizeof entries[0])) step_fail("too many entries");
    entry = xcalloc(sizeof *entry);
    snprintf(entry->reg_tag, sizeof entry->reg_tag, "%s", c->tag); snprintf(entry->sqe_tag, sizeof entry->sqe_tag, "%s", c->tag);
    entry->qid = c->qid; entry->hdr = c->niov > 0 ? ir[0] : 0; entry->pay = c->niov > 1 ? ir[1] : 0; entry->zc_index = c->zc_index;
    entries[nentries++] = entry;
  }
  if (c->op == SPEC_CMD_COMMIT) entry = prepare_commit(c, cid);
  uint64_t ud = next_ud++;
  sub_add(ud, c->tag, c->op, c->qid, entry);
  if (c->op == SPEC_CMD_ADD_BUFPOOL) { struct sub *ps = sub_find(ud); ps->pool = pending_pool; ps->pool_fixed = pending_fixed; }
  unsigned char sqe[SQE_SIZEOF]; memcpy(sqe, c->tmpl, sizeof sqe);
  PUT(sqe, SQE_FD, (uint32_t)fuse_fd); PUT(sqe, SQE_USER_DATA, ud); PUT(sqe, SQE_ADDR, arr);
  PUT(sqe + SQE_CMD, CMD_REQ_COMMIT_ID, cid); PUT(sqe + SQE_CMD, CMD_REQ_QID, c->qid);
#if CMD_REQ_BUFPOOL_UADDR >= 0
  if (c->has_bufpool) PUT(sqe + SQE_CMD, CMD_REQ_BUFPOOL_UADDR, bp);
#else
  (void)bp; /* this revision's cmd_req has no bufpool */
#endif
  if (c->serve_fixed >= 0) { PUT(sqe, SQE_URING_CMD_FLAGS, SPEC_IORING_URING_CMD_FIXED); PUT(sqe, SQE_BUF_INDEX, c->serve_fixed); }
  int blocked = 0, n = ring_submit(sqe, 1, &blocked);
  if (n < 0) { event("cqe %s %s", c->tag, errno_name(n, b)); return; }
  if (blocked) event("blocked %s", c->tag);
  fence();
  /* -ERESTARTSYS (-EINTR since 7.3.2) comes only from an interrupted sleep, even one a notification ended early. */
  struct sub *s = sub_find(ud);
  if (!blocked && s && s->interrupted) event("blocked %s", c->tag);
  /* A COMMIT the kernel did not refuse at once now holds its entry (fuse_uring_commit_fetch re-arms it with this SQE). */
  if (c->op == SPEC_CMD_COMMIT && entry && s && !s->refused) snprintf(entry->sqe_tag, sizeof entry->sqe_tag, "%s", c->tag);
  settle(DEADLINE_STEP);
}

/* Answers every delivered request the filesystem's way, one COMMIT_AND_FETCH each, in order of the SQE tag its entry
 * holds, until none waits; the COMMITs are tagged <step>.<n>. */
static void serve(const char *tag) {
  for (int n = 1; n <= SERVE_MAX; n++) {
    struct entry *e = 0;
    for (int i = 0; i < nentries; i++) if (entries[i]->held && (!e || strcmp(entries[i]->sqe_tag, e->sqe_tag) < 0)) e = entries[i];
    if (!e) return;
    struct pool *p = pool_of(e->qid);
    char t[96]; snprintf(t, sizeof t, "%s.%d", tag, n);
    struct cmd c = { .tag = t, .tmpl = T_SERVE_COMMIT, .op = SPEC_CMD_COMMIT, .qid = e->qid, .commit_mode = 0, .commit_id = e->held->commit_id,
      .iov_array = A_VALID, .reply_psz = -1, .serve_fixed = p && p->fixed >= 0 ? p->fixed : -1 };
    run_cmd(&c);
  }
  step_fail("serve: still answering after %d requests", SERVE_MAX);
}

/* mem: an entry's header or payload (by its REGISTER tag), or a queue's plain pool, becomes none/read/rw or unmapped.
 * A registered pool's pages are pinned by io_uring: the kernel copies through them whatever the mapping says. */
enum { MEM_HEADER, MEM_PAYLOAD, MEM_POOL };
static void mem_step(int what, const char *entry, int qid, int prot, int part) {
  struct region *r = 0;
  if (what == MEM_POOL) { struct pool *p = pool_of(qid); r = p && p->fixed < 0 ? p->r : 0; }
  else { struct entry *e = entry_by_reg(entry); r = e ? (what == MEM_HEADER ? e->hdr : e->pay) : 0; }
  if (!r) { note("mem: nothing to change (no such region)"); return; }
  region_set(r, prot, part);
  note("mem: region at %p+%zu (%zu bytes) now head=%s tail=%s", (void *)r->map, r->at, r->len, PROT_NAME[r->head], PROT_NAME[r->tail]);
}

/* Requests on /dev/fuse (readDev): forgets and interrupts are consumed silently; the rest wait for a dev_reply. */
static void read_dev(void) {
  if (!cfg_mount || fuse_fd < 0) return;
  for (;;) {
    struct pollfd p = {fuse_fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return;
    ssize_t n = read(fuse_fd, dev_buf, DEV_READ_SIZE);
    if (n < 0) {
      int e = errno;
      if (e == SPEC_ETIMEDOUT || e == SPEC_ENODEV || e == SPEC_ECONNABORTED || e == SPEC_ENOTCONN || e == SPEC_EINTR || e == EAGAIN) return;
      step_fail("read /dev/fuse failed: %d", -e);
    }
    if (n < IN_H_SIZEOF) step_fail("fuse_in_header: need %d bytes, got %zd", IN_H_SIZEOF, n);
    uint32_t op = (uint32_t)GET(dev_buf, IN_H_OPCODE);
    if (op == SPEC_FUSE_FORGET || op == SPEC_FUSE_BATCH_FORGET || op == SPEC_FUSE_INTERRUPT) continue;
    if (ndevq == (int)(sizeof devq / sizeof devq[0])) step_fail("too many /dev/fuse requests");
    struct devreq *r = &devq[ndevq++];
    r->unique = GET(dev_buf, IN_H_UNIQUE); r->nodeid = GET(dev_buf, IN_H_NODEID); r->opcode = op; r->pid = (uint32_t)GET(dev_buf, IN_H_PID);
    size_t body = (size_t)n - IN_H_SIZEOF; int osz = opin_size(op);
    if (osz >= 0 && body < (size_t)osz) step_fail("op_in of opcode %u: need %d bytes, got %zu", op, osz, body);
    r->opin = 0;
    if (osz >= 0) { r->opin = xcalloc((size_t)osz); memcpy(r->opin, dev_buf + IN_H_SIZEOF, (size_t)osz); }
    size_t skip = osz >= 0 ? (size_t)osz : 0;
    r->plen = body - skip; r->payload = xcalloc(r->plen); if (r->plen) memcpy(r->payload, dev_buf + IN_H_SIZEOF + skip, r->plen);
    event("dev_request opcode=%u", op);
  }
}

/* Waits only the server (or another client's FUSE request) can end (clients.ts asleepInFuse): a reply, INIT or a ready
 * ring, a device to bind, the directory a FUSE waiter holds. Teardown waits that end by themselves are not in it. */
static int server_wait(const char *wchan) {
  static const char *const W[] = {"request_wait_answer", "fuse_get_req", "fuse_get_dev", "fuse_lock_inode", "path_openat", "rwsem_down", "d_alloc_parallel", "fuse_wait_on"};
  for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) if (strstr(wchan, W[i])) return 1;
  return 0;
}
/* Clients (by pid) that are neither done nor asleep in such a wait, and io-wq workers at work: a step is over when
 * there are none and a further round brings nothing new (settle). */
static int busy_report(char *out, size_t on) {
  int busy = 0; size_t used = 0; out[0] = 0;
  for (int i = 0; i < nclients; i++) {
    if (!clients[i].has_op) continue;
    char st, wchan[256]; task_state(clients[i].pid, clients[i].pid, &st, wchan, sizeof wchan);
    if ((st == 'S' || st == 'D') && server_wait(wchan)) continue;
    busy++; used += (size_t)snprintf(out + used, used < on ? on - used : 0, "%sclient pid %d state %c wchan %s", used ? "; " : "", clients[i].pid, st, wchan[0] ? wchan : "-");
    if (used >= on) used = on - 1;
  }
  DIR *d = opendir("/proc/self/task");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    int tid = atoi(de->d_name);
    if (tid <= 0 || tid == getpid()) continue;
    char p[96], comm[64]; snprintf(p, sizeof p, "/proc/self/task/%d/comm", tid); read_small(p, comm, sizeof comm);
    comm[strcspn(comm, "\n")] = 0;
    char st, wchan[256]; task_state(getpid(), tid, &st, wchan, sizeof wchan);
    if (!strncmp(comm, "iou-wrk", 7) && (st == 'X' || ((st == 'S' || st == 'I') && (strstr(wchan, "io_wq_worker") || strstr(wchan, "schedule_timeout"))))) continue;
    busy++; used += (size_t)snprintf(out + used, used < on ? on - used : 0, "%sthread %d (%s) state %c wchan %s", used ? "; " : "", tid, comm, st, wchan);
    if (used >= on) used = on - 1;
  }
  if (d) closedir(d);
  return busy;
}
/* Sleeps until the ring, /dev/fuse or a client has something, or 1 ms. */
static void wait_activity(void) {
  struct pollfd p[300]; int n = 0;
  for (int i = 0; i < nclients && n < 298; i++) if (clients[i].busy) { p[n].fd = clients[i].fd; p[n].events = POLLIN; p[n++].revents = 0; }
  if (!ring_exited) { p[n].fd = ring_fd; p[n].events = POLLIN; p[n++].revents = 0; }
  if (cfg_mount && fuse_fd >= 0) { p[n].fd = fuse_fd; p[n].events = POLLIN; p[n++].revents = 0; }
  if (n) poll(p, (nfds_t)n, 1); else nap_ms(1);
}
static int ops_in_flight(void) { int k = 0; for (int i = 0; i < nclients; i++) k += clients[i].has_op; return k; }

static void settle(int deadline_ms) {
  double deadline = now_ms() + scaled(deadline_ms);
  int calm = 0, slots[256]; long res[256]; char busy[2048];
  for (;;) {
    long before = n_events;
    reap(0); read_dev(); poll_clients(slots, res);
    int b = busy_report(busy, sizeof busy);
    int quiet = n_events == before && b == 0;
    if (quiet && calm) return;
    calm = quiet;
    if (now_ms() > deadline) step_fail("step not settled within %d ms: %s", scaled(deadline_ms), b ? busy : "events kept arriving");
    if (!quiet) wait_activity();
  }
}
/* Until every client op has answered (an abort or exit wakes them all), then settled. */
static void settle_until_idle(int deadline_ms, const char *after) {
  double deadline = now_ms() + scaled(deadline_ms);
  int slots[256]; long res[256]; char busy[2048];
  while (ops_in_flight()) {
    reap(0); poll_clients(slots, res);
    if (!ops_in_flight()) break;
    if (now_ms() > deadline) { busy_report(busy, sizeof busy); step_fail("%s: %s still in the kernel %d ms later", after, busy[0] ? busy : "a client asleep in FUSE", scaled(deadline_ms)); }
    wait_activity();
  }
  settle(DEADLINE_STEP);
}

/* fusectl is mounted inside this process's private mount namespace. */
static void ensure_fusectl(void) {
  char line[4096]; int found = 0; FILE *m = fopen("/proc/self/mountinfo", "r");
  while (m && fgets(line, sizeof line, m)) if (strstr(line, " - fusectl ")) found = 1;
  if (m) fclose(m);
  if (!found) mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, "");
}
static void fusectl_abort(void) {
  if (conn_id < 0) return;
  ensure_fusectl();
  char p[128]; snprintf(p, sizeof p, "/sys/fs/fuse/connections/%d/abort", conn_id);
  int f = open(p, O_WRONLY | O_CLOEXEC); if (f >= 0) { if (write(f, "1", 1) < 0) {} close(f); }
}

/* The /dev/fuse request a dev_reply answers: the one of the client whose op started first (clients woken together
 * queue there in the scheduler's order, not the case's); a request of no client in flight comes after. */
static long op_seq_of(uint32_t pid) {
  for (int i = 0; i < nclients; i++) if (clients[i].has_op && (uint32_t)clients[i].pid == pid) return clients[i].seq;
  return LONG_MAX;
}
/* dev_reply: that request gets the filesystem's answer, or the step's error. */
static void dev_reply(int32_t error) {
  struct devreq req, *r = 0;
  if (ndevq) {
    int best = 0;
    for (int i = 0; i < ndevq; i++) if (op_seq_of(devq[i].pid) < op_seq_of(devq[best].pid)) best = i;
    req = devq[best]; r = &req;
    memmove(&devq[best], &devq[best + 1], sizeof devq[0] * (size_t)(ndevq - best - 1)); ndevq--;
  }
  if (r && fuse_fd >= 0) {
    struct answer a = error == 0 ? fs_answer(r->opcode, r->nodeid, r->opin, r->payload, r->plen) : ans_error(error);
    size_t len = OUT_H_SIZEOF + a.len; unsigned char *out = xcalloc(len);
    PUT(out, OUT_H_LEN, len); PUT(out, OUT_H_ERROR, (uint32_t)a.error); PUT(out, OUT_H_UNIQUE, r->unique);
    if (a.len) memcpy(out + OUT_H_SIZEOF, a.body, a.len);
    if (write(fuse_fd, out, len) < 0) note("dev_reply: write: %d", -errno);
    free(out); free(a.body);
  }
  settle(DEADLINE_STEP);
}

/* umount2(MNT_DETACH) from a client process (like every client op, in this process's mount namespace). */
static void umount_step(void) {
  if (!have_dir || unmounted) return;
  unmounted = 1;
  int slot = pool_idle();
  pool_submit(slot, V_UMOUNT, -1, mnt_dir, 0, 0, 0, 0, -1);
  double deadline = now_ms() + scaled(DEADLINE_TEARDOWN);
  int slots[256]; long res[256];
  for (;;) {
    int n = poll_clients(slots, res), done = 0;
    for (int k = 0; k < n; k++) if (slots[k] == slot) { if (res[k] < 0) step_fail("umount2(%s, MNT_DETACH) failed: %ld", mnt_dir, res[k]); done = 1; }
    if (done) break;
    if (now_ms() > deadline) step_fail("umount2(MNT_DETACH) did not return within %d ms", scaled(DEADLINE_TEARDOWN));
    struct pollfd p = {clients[slot].fd, POLLIN, 0}; poll(&p, 1, 1);
  }
  settle(DEADLINE_STEP);
}

static void abort_step(void) { fusectl_abort(); settle_until_idle(DEADLINE_TEARDOWN, "abort"); }
/* Until fuse_abort_conn() has run: it sets max_background to UINT_MAX, which fusectl shows, or the connection is gone.
 * The release of /dev/fuse that calls it waits for io_uring's exit work, so it comes late. */
static void wait_aborted(void) {
  if (conn_id < 0) return;
  ensure_fusectl();
  char p[128], v[64]; snprintf(p, sizeof p, "/sys/fs/fuse/connections/%d/max_background", conn_id);
  double deadline = now_ms() + scaled(DEADLINE_EXIT);
  for (;;) {
    int f = open(p, O_RDONLY | O_CLOEXEC);
    if (f < 0) return;
    ssize_t n = read(f, v, sizeof v - 1); close(f);
    v[n > 0 ? n : 0] = 0; v[strcspn(v, "\n")] = 0;
    char umax[16]; snprintf(umax, sizeof umax, "%u", UINT_MAX);
    if (!strcmp(v, umax)) return;
    if (now_ms() > deadline) step_fail("server exit: connection %d not aborted %d ms after its ring and /dev/fuse were closed", conn_id, scaled(DEADLINE_EXIT));
    nap_ms(1);
  }
}
/* The server closes its io_uring and /dev/fuse fds (as when it dies); the ring goes in io_uring's exit work. */
static void server_exit(void) {
  if (!ring_exited) ring_close();
  ring_exited = 1;
  if (fuse_fd >= 0) close(fuse_fd);
  fuse_fd = -1;
  wait_aborted();
  settle_until_idle(DEADLINE_EXIT, "server exit");
}
/* CQEs of the cancel are posted to a ring nobody can read any more: nothing is observable here. */
static void ring_exit(void) {
  if (!ring_exited) ring_close();
  ring_exited = 1;
}

enum { OP_STAT, OP_OPEN, OP_CREATE, OP_READ, OP_WRITE, OP_FSYNC, OP_CLOSE };
/* A client op: stat of the root, open/create of a file into the client's handle, read/write at an offset (-1: the file
 * position) with pattern bytes of the file it has open, fsync, close. */
/* The Resolver runs no client on a connection without a mount, or once it is unmounted (NOT_RUN). */
static int resolver_umounted = !CFG_MOUNT;
static long op_seq;
static void client_step(const char *tag, int op, int cpu, int client, const char *file, uint64_t size, int64_t offset) {
  if (resolver_umounted) { printf("  %s\n", NOT_RUN); return; }
  if (unmounted || !have_dir) step_fail("client after umount: the mount is gone");
  int slot = client >= 0 ? client : op == OP_STAT ? pool_idle() : 0;
  if (pool_busy(slot)) { event("client_busy %s", tag); return; }
  while (nclients <= slot) clients_grow(1);
  struct client *c = &clients[slot];
  char path[1200];
  if (file) snprintf(path, sizeof path, "%s/%s", mnt_dir, file); else snprintf(path, sizeof path, "%s", mnt_dir);
  struct file *f = file_by_name(c->open_file);
  uint64_t seed = f ? f->ino : 0;
  uint32_t verb = V_STAT, flags = 0, mode = 0;
  switch (op) {
    case OP_STAT: verb = V_STAT; break;
    case OP_OPEN: case OP_CREATE:
      snprintf(c->open_file, sizeof c->open_file, "%s", file ? file : "");
      verb = V_OPEN; flags = O_RDWR | (op == OP_CREATE ? O_CREAT : 0); mode = 0644; break;
    case OP_READ: verb = V_READ; break;
    case OP_WRITE: verb = V_WRITE; break;
    case OP_FSYNC: verb = V_FSYNC; break;
    default: verb = V_CLOSE; break;
  }
  pool_submit(slot, verb, cpu, verb == V_STAT || verb == V_OPEN ? path : 0, flags, mode, seed, size, offset);
  c->has_op = 1; c->op = (int)verb; c->used = 1; c->seq = op_seq++; snprintf(c->tag, sizeof c->tag, "%s", tag);
  settle(DEADLINE_STEP);
}
`;
