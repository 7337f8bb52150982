// A standalone C reproducer of a race: the engine's own C (raceVm.h), the same program and arena, in a loop with new jitter.
import { readFileSync, writeFileSync } from 'node:fs';
import { ERRNO } from '../../spec/errno.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import type { RevisionId } from '../../spec/types.js';
import { encode as encodeClientOp, PATH_AT } from '../kernel/clients.js';
import { headerParts } from '../kernel/delivery.js';
import { FUSE_INIT_FLAG, FUSE_KERNEL_VERSION } from '../../spec/uapi/fuse_kernel.js';
import { fieldAt } from '../../fuzz/reproC/layout.js';
import { devReadSize, initReply, UNSOLICITED } from '../kernel/fuseMsg.js';
import { ROOT } from '../paths.js';
import type { Arena } from './arena.js';
import type { BuiltRace } from './build.js';
import { ABORT_FD, CLIENT_FD0 } from './build.js';
import { buildRace, UMOUNT_SLOT } from './iteration.js';
import { encodeProgram } from './program.js';

export interface ReproRequest { readonly scenario: string; readonly seed: number; readonly iteration: number; readonly maxJitterNs: number }

const hex = (b: Uint8Array): string => {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 24) out.push(`  ${[...b.subarray(i, i + 24)].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(',')}`);
  return out.join(',\n');
};
const cstr = (s: string) => JSON.stringify(s);

/** The engine's C, as the addon compiles it, minus its includes of itself. */
function engineSource(): string {
  const src = (f: string) => readFileSync(`${ROOT}native-probe/src/${f}`, 'utf8').replace(/^#pragma once\n/m, '').replace(/^#include "raceProto.h"\n/m, '');
  return `${src('raceProto.h')}\n${src('raceVm.h')}`;
}

function arenaSource(a: Arena): string {
  const chunks = a.chunks.map((c, i) => `static const unsigned char chunk${i}[] = {\n${hex(c.bytes)}\n};`).join('\n');
  const table = a.chunks.map((c, i) => `  {${c.at}, chunk${i}, ${c.bytes.length}},`).join('\n');
  const relocs = a.relocs.map((r) => (r.kind === 'ptr' ? `  {0, ${r.at}, ${r.to}, 0, ""},` : r.kind === 'fd' ? `  {1, ${r.at}, ${r.slot}, 0, ""},` : `  {2, ${r.at}, 0, ${r.max}, ${cstr(r.suffix ?? '')}},`)).join('\n');
  return `#define ARENA_SIZE ${a.size}
${chunks}
static const struct { unsigned at; const unsigned char *bytes; unsigned len; } chunks[] = {
${table}
  {0, 0, 0}
};
/* kind 0: u64 := arena + to; 1: i32 := fds[to]; 2: the mount point, then suffix, in max bytes */
static const struct { int kind; unsigned at; unsigned to; unsigned max; const char *suffix; } relocs[] = {
${relocs}
  {-1, 0, 0, 0, ""}
};`;
}

function programSource(b: BuiltRace, rev: RevisionId, nrCpus: number): string {
  const r = revision(rev);
  const cfg = baseConfig(rev, nrCpus);
  const init = initReply(0n, { major: FUSE_KERNEL_VERSION, minor: 0, max_readahead: 0, flags: (1n << 64n) - 1n }, cfg.init!).bytes;
  // Each field's offset and width (NAME_W) from the spec's layouts.
  const def = (name: string, layout: string, path: string) => {
    const f = fieldAt(r, layout, path);
    if (!f) throw new Error(`race reproducer: ${layout} has no field ${path}`);
    return `#define ${name} ${f.offset}\n#define ${name}_W ${f.width}`;
  };
  const parts = headerParts(r);
  const tags = [...b.tags].map(([ud, t]) => `  {${ud}ULL, ${cstr(t.tag)}},`).join('\n');
  const clients = [...b.clients].map(([tag, c]) => `  {${c.slot}, ${c.cpu}, ${cstr(tag)}},`).join('\n');
  const pre = b.preClients.map((c) => `  {${c.slot}, {\n${hex(encodeClientOp(c.req))}\n  }},`).join('\n');
  const loops = b.loops.map((l) => `  {${l.slot}, ${l.answer}, ${l.owes}},`).join('\n');
  const errnos = Object.entries(ERRNO).map(([n, v]) => `  {${v}, ${cstr(n)}},`).join('\n');
  return `static const unsigned char program[] = {
${hex(encodeProgram(b.program))}
};
static const unsigned char init_reply[] = {
${hex(init)}
};
/* Offsets and widths in a request (in header, then fuse_init_in) and in init_reply (out header, then fuse_init_out). */
${def('IN_UNIQUE', 'fuse_in_header', 'unique')}
${def('IN_OPCODE', 'fuse_in_header', 'opcode')}
#define IN_BODY ${r.lookup('fuse_in_header').size}
${def('IN_MINOR', 'fuse_init_in', 'minor')}
${def('IN_READAHEAD', 'fuse_init_in', 'max_readahead')}
${def('IN_FLAGS', 'fuse_init_in', 'flags')}
${def('IN_FLAGS2', 'fuse_init_in', 'flags2')}
${def('OUT_UNIQUE', 'fuse_out_header', 'unique')}
#define OUT_BODY ${r.lookup('fuse_out_header').size}
${def('OUT_MINOR', 'fuse_init_out', 'minor')}
${def('OUT_READAHEAD', 'fuse_init_out', 'max_readahead')}
${def('OUT_FLAGS', 'fuse_init_out', 'flags')}
${def('OUT_FLAGS2', 'fuse_init_out', 'flags2')}
/* The opcode in a delivered entry's header (in_out holds fuse_in_header). */
#define HDR_OPCODE ${parts.inOut + fieldAt(r, 'fuse_in_header', 'opcode')!.offset}
/* The INIT flag the reply always sets, requests nobody asked for (forgets, interrupts), a closed fd's errno. */
#define SPEC_FUSE_INIT_EXT ${FUSE_INIT_FLAG.FUSE_INIT_EXT}u
#define IS_UNSOLICITED(op) (${UNSOLICITED.map((o) => `(op) == ${o}`).join(' || ')})
#define SPEC_EBADF ${ERRNO.EBADF}
#define DEV_READ_SIZE ${devReadSize(cfg.init!.max_write)}
#define NR_RINGS ${Math.max(...b.rings, 0) + 1}
#define CLIENT_FD0 ${CLIENT_FD0}
#define ABORT_FD ${ABORT_FD}
#define UMOUNT_SLOT ${UMOUNT_SLOT}
#define PATH_AT ${PATH_AT}
static const struct { unsigned long long ud; const char *tag; } tags[] = {
${tags}
  {0, 0}
};
static const struct { int slot, cpu; const char *tag; } clients[] = {
${clients}
  {-1, -1, 0}
};
static const struct { int slot; unsigned answer, owes; } loops[] = {
${loops}
  {-1, 0, 0}
};
static const struct { int slot; unsigned char op[512]; } pre_clients[] = {
${pre}
  {-1, {0}}
};
static const struct { int value; const char *name; } errnos[] = {
${errnos}
  {0, 0}
};`;
}

const RUNTIME = String.raw`
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int client_fd[UMOUNT_SLOT + 1], client_pid[UMOUNT_SLOT + 1], client_busy[UMOUNT_SLOT + 1];
static long long client_res[UMOUNT_SLOT + 1], client_out[UMOUNT_SLOT + 1];
static char param_before[2] = "N", dir[128], abort_path[128];
/* The connection's fusectl abort file, open from mount to the end of the iteration: the race's threads abort through it. */
static int abort_fd = -1;
static int hangs;

static void param(const char *v) { int f = open("/sys/module/fuse/parameters/enable_uring", O_WRONLY); if (f >= 0) { if (write(f, v, 1) < 0) {} close(f); } }
static void restore(void) { param(param_before); }
/* SIGINT or SIGTERM ends the loop after the iteration under way: its teardown runs, and exit puts enable_uring back. */
static volatile sig_atomic_t stopping;
static void on_stop(int s) { (void)s; stopping = 1; }
static int64_t ms_now(void) { return race_now() / 1000000; }
static void nap_ms(int ms) { struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L}; nanosleep(&t, 0); }
static const char *errname(int res, char *buf) {
  int i;
  if (res >= 0) { sprintf(buf, "%d", res); return buf; }
  for (i = 0; errnos[i].name; i++) if (errnos[i].value == -res) { sprintf(buf, "-%s", errnos[i].name); return buf; }
  sprintf(buf, "%d", res); return buf;
}
static void stack_of(const char *what, int pid, int tid) {
  char p[96], b[4096]; int f; ssize_t n;
  snprintf(p, sizeof p, "/proc/%d/task/%d/wchan", pid, tid); f = open(p, O_RDONLY); n = f >= 0 ? read(f, b, sizeof b - 1) : -1; if (f >= 0) close(f);
  b[n > 0 ? n : 0] = 0; printf("  %s (tid %d) wchan %s\n", what, tid, b);
  snprintf(p, sizeof p, "/proc/%d/task/%d/stack", pid, tid); f = open(p, O_RDONLY); n = f >= 0 ? read(f, b, sizeof b - 1) : -1; if (f >= 0) close(f);
  b[n > 0 ? n : 0] = 0; printf("%s", b);
}
static int asleep_in_fuse(int pid) {
  char p[64], b[128]; int f; ssize_t n;
  snprintf(p, sizeof p, "/proc/%d/wchan", pid); f = open(p, O_RDONLY); if (f < 0) return 1;
  n = read(f, b, sizeof b - 1); close(f); b[n > 0 ? n : 0] = 0;
  return strstr(b, "fuse") || strstr(b, "request_wait");
}

/* A client process (native-probe/src/clientProto.h): one 512-byte op at a time on the CPU at offset 4; stat, open,
 * read, close, umount of the path at PATH_AT, reset; it answers with {res, errno, mismatch}. */
static void client_loop(int sock) {
  unsigned char op[512]; static char data[1 << 20]; struct stat st; int64_t r[3]; int fd = -1;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (;;) {
    uint32_t verb, flags; int32_t cpu; uint64_t size; int64_t off; cpu_set_t set; char *path = (char *)op + PATH_AT;
    if (read(sock, op, sizeof op) != (ssize_t)sizeof op) _exit(0);
    memcpy(&verb, op, 4); memcpy(&cpu, op + 4, 4); memcpy(&flags, op + 12, 4); memcpy(&size, op + 24, 8); memcpy(&off, op + 32, 8);
    if (size > sizeof data) size = sizeof data;
    if (cpu >= 0) { CPU_ZERO(&set); CPU_SET(cpu, &set); sched_setaffinity(0, sizeof set, &set); }
    op[511] = 0;
    switch (verb) {
      case 1: r[0] = stat(path, &st); break;
      case 2: if (fd >= 0) close(fd); fd = open(path, (int)flags | O_CLOEXEC); r[0] = fd < 0 ? -1 : 0; break;
      case 3: r[0] = off < 0 ? read(fd, data, size) : pread(fd, data, size, off); break;
      case 6: r[0] = close(fd); fd = -1; break;
      case 7: r[0] = umount2(path, MNT_DETACH); break;
      case 9: if (fd >= 0) close(fd); fd = -1; r[0] = 0; break;
      default: r[0] = -1; errno = ENOSYS;
    }
    r[1] = r[0] < 0 ? errno : 0; r[2] = -1;
    if (write(sock, r, 24) != 24) _exit(1);
  }
}
static void start_clients(void) {
  int i;
  for (i = 0; i <= UMOUNT_SLOT; i++) {
    int sv[2]; pid_t p;
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    p = fork();
    if (p == 0) { close(sv[0]); client_loop(sv[1]); }
    close(sv[1]); client_fd[i] = sv[0]; client_pid[i] = p;
  }
}
static void client_send(int slot, const unsigned char *op) {
  unsigned char b[512]; memcpy(b, op, 512); strcpy((char *)b + PATH_AT, dir);
  if (write(client_fd[slot], b, 512) == 512) client_busy[slot] = 1;
}
static void client_poll(void) {
  int i;
  for (i = 0; i <= UMOUNT_SLOT; i++) {
    struct pollfd p = {client_fd[i], POLLIN, 0}; int64_t r[3];
    if (!client_busy[i] || poll(&p, 1, 0) <= 0) continue;
    if (read(client_fd[i], r, 24) == 24) { client_busy[i] = 0; client_res[i] = r[0] < 0 ? -r[1] : r[0]; }
  }
}
static int clients_busy(int settled) {
  int i, n = 0;
  for (i = 0; i <= UMOUNT_SLOT; i++) if (client_busy[i] && (!settled || !asleep_in_fuse(client_pid[i]))) n++;
  return n;
}
static void client_hang(const char *when) {
  int i;
  for (i = 0; i <= UMOUNT_SLOT; i++) if (client_busy[i]) {
    char what[64]; snprintf(what, sizeof what, "client slot %d %s", i, when); stack_of(what, client_pid[i], client_pid[i]); hangs++;
  }
}

static int fuse_fd = -1, conn_id = -1;
static void mount_and_init(void) {
  static unsigned char b[DEV_READ_SIZE]; unsigned char out[sizeof init_reply]; char mi[4096], o[128]; FILE *m;
  uint32_t lo, hi, want; ssize_t n;
  fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  strcpy(dir, "/tmp/furc-race-repro-XXXXXX"); if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
  snprintf(o, sizeof o, "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
  if (mount("furc", dir, "fuse", MS_NOSUID | MS_NODEV, o) < 0) { perror("mount"); exit(2); }
  m = fopen("/proc/self/mountinfo", "r");
  while (m && fgets(mi, sizeof mi, m)) { unsigned ma, mn; char mp[256]; if (sscanf(mi, "%*d %*d %u:%u %*s %255s", &ma, &mn, mp) == 3 && !strcmp(mp, dir)) conn_id = (int)(((ma & 0xfff) << 20) | mn); }
  if (m) fclose(m);
  snprintf(abort_path, sizeof abort_path, "/sys/fs/fuse/connections/%d/abort", conn_id);
  abort_fd = open(abort_path, O_WRONLY | O_CLOEXEC); if (abort_fd < 0) { perror(abort_path); exit(2); }
  n = read(fuse_fd, b, sizeof b); if (n < IN_BODY) { perror("read FUSE_INIT"); exit(2); }
  memcpy(out, init_reply, sizeof out);
  memcpy(out + OUT_UNIQUE, b + IN_UNIQUE, OUT_UNIQUE_W);
  memcpy(out + OUT_BODY + OUT_MINOR, b + IN_BODY + IN_MINOR, OUT_MINOR_W);
  memcpy(out + OUT_BODY + OUT_READAHEAD, b + IN_BODY + IN_READAHEAD, OUT_READAHEAD_W);
  memcpy(&lo, b + IN_BODY + IN_FLAGS, IN_FLAGS_W); memcpy(&hi, b + IN_BODY + IN_FLAGS2, IN_FLAGS2_W);
  memcpy(&want, out + OUT_BODY + OUT_FLAGS, OUT_FLAGS_W); want &= lo | SPEC_FUSE_INIT_EXT; memcpy(out + OUT_BODY + OUT_FLAGS, &want, OUT_FLAGS_W);
  memcpy(&want, out + OUT_BODY + OUT_FLAGS2, OUT_FLAGS2_W); want &= hi; memcpy(out + OUT_BODY + OUT_FLAGS2, &want, OUT_FLAGS2_W);
  if (write(fuse_fd, out, sizeof out) < 0) { perror("INIT reply"); exit(2); }
}
static void fusectl_abort(void) { if (abort_fd >= 0 && write(abort_fd, "1", 1) < 0) {} }
static int conn_exists(void) { char p[96]; struct stat st; snprintf(p, sizeof p, "/sys/fs/fuse/connections/%d", conn_id); return stat(p, &st) == 0; }

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One iteration; returns 1 when its outcome is the finding's. */
static int iteration(int it, unsigned seed) {
  static uint8_t *arena; static struct race_ctx ctx; static unsigned char prog[sizeof program];
  struct race_header *h; struct race_step *steps; int fds[ABORT_FD + 1], i, j, calm = 0, nl = 0, found;
  char *lines[256], buf[64], line[160]; int64_t until; unsigned stuck;
  memset(client_res, 0, sizeof client_res);
  mount_and_init();
  if (!arena) arena = mmap(0, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  madvise(arena, ARENA_SIZE, MADV_DONTFORK);
  memset(arena, 0, ARENA_SIZE);
  for (i = 0; chunks[i].bytes; i++) memcpy(arena + chunks[i].at, chunks[i].bytes, chunks[i].len);
  fds[0] = fuse_fd;
  for (i = 0; i <= UMOUNT_SLOT; i++) fds[CLIENT_FD0 + i] = client_fd[i];
  fds[ABORT_FD] = abort_fd;
  for (i = 0; relocs[i].kind >= 0; i++) {
    if (relocs[i].kind == 0) { uint64_t v = (uint64_t)(uintptr_t)arena + relocs[i].to; memcpy(arena + relocs[i].at, &v, 8); }
    else if (relocs[i].kind == 1) memcpy(arena + relocs[i].at, &fds[relocs[i].to], 4);
    else snprintf((char *)arena + relocs[i].at, relocs[i].max, "%s%s", dir, relocs[i].suffix);
  }
  /* New jitter every iteration: each busy-wait drawn from [0, its bound]. */
  memcpy(prog, program, sizeof prog);
  h = (struct race_header *)prog; steps = (struct race_step *)(prog + sizeof *h);
  srand(seed + (unsigned)it);
  for (i = 0; i < (int)h->nsteps; i++) if (steps[i].op == RACE_SPIN) steps[i].a = steps[i].b ? (uint64_t)rand() % (steps[i].b + 1) : 0;
  for (i = 0; pre_clients[i].slot >= 0; i++) client_send(pre_clients[i].slot, pre_clients[i].op);
  until = ms_now() + 3000;
  while (clients_busy(1) && ms_now() < until) { client_poll(); nap_ms(1); }
  if (race_init(&ctx, h, steps, arena, fds, ABORT_FD + 1) < 0 || race_launch(&ctx) < 0) { printf("race engine: cannot start\n"); exit(2); }
  if (race_wait(&ctx, 5000000000LL) > 0) {
    printf("iteration %d: HANG: race threads still running after 5 s\n", it);
    for (i = 0; i < ctx.launched; i++) if (ctx.state[i] == RACE_T_RUNNING) { snprintf(buf, sizeof buf, "thread %d at step %u", i, ctx.pc[i]); stack_of(buf, getpid(), ctx.tid[i]); }
    hangs++; ctx.stop = 1; fusectl_abort(); race_wait(&ctx, 5000000000LL);
  }
  for (i = 0; i < (int)ctx.nrows; i++) {
    const struct race_step *s = &steps[ctx.rows[i].step];
    if (s->op == RACE_WRITE_FD && s->slot != ABORT_FD && ctx.rows[i].res > 0) client_busy[s->slot - CLIENT_FD0] = 1;
    if (s->op == RACE_CLOSE_FD) fds[0] = -1;
  }
  /* Settle: no new CQE, every busy client asleep in FUSE, three rounds running. */
  until = ms_now() + 3000;
  while (calm < 3 && ms_now() < until) {
    unsigned before = ctx.ncqes;
    for (i = 0; i < NR_RINGS; i++) race_reap(&ctx, i, 1000000);
    client_poll();
    calm = ctx.ncqes == before && !clients_busy(1) ? calm + 1 : 0;
  }
  if (fds[0] >= 0) {
    static unsigned char b[DEV_READ_SIZE]; int fl = fcntl(fuse_fd, F_GETFL); ssize_t n;
    fcntl(fuse_fd, F_SETFL, fl | O_NONBLOCK);
    while ((n = read(fuse_fd, b, sizeof b)) > 0) { uint32_t op; memcpy(&op, b + IN_OPCODE, IN_OPCODE_W); if (!IS_UNSOLICITED(op)) { snprintf(line, sizeof line, "dev opcode=%u", op); lines[nl++] = strdup(line); } }
    fcntl(fuse_fd, F_SETFL, fl);
  }
  for (i = 0; loops[i].slot >= 0; i++) {
    int64_t res; int32_t err;
    if (arena[loops[i].owes]) { client_busy[loops[i].slot] = 1; continue; }
    memcpy(&res, arena + loops[i].answer, 8); memcpy(&err, arena + loops[i].answer + 8, 4);
    if (res < 0) client_res[loops[i].slot] = -err;
  }
  fusectl_abort();
  for (i = 0; i < 20; i++) for (j = 0; j < NR_RINGS; j++) race_reap(&ctx, j, 5000000);
  until = ms_now() + 3000;
  while (clients_busy(0) && ms_now() < until) { client_poll(); nap_ms(1); }
  if (clients_busy(0)) { printf("iteration %d: HANG: clients inside the kernel 3 s after the abort\n", it); client_hang("after the abort"); }
  memcpy(client_out, client_res, sizeof client_out);
  {
    /* Files a client still has open pin the superblock, and so the connection. */
    unsigned char op[512]; memset(op, 0, sizeof op); op[0] = 9; memset(op + 4, 0xff, 4);
    for (i = 0; clients[i].tag; i++) if (!client_busy[clients[i].slot]) client_send(clients[i].slot, op);
    until = ms_now() + 3000;
    while (clients_busy(0) && ms_now() < until) { client_poll(); nap_ms(1); }
  }
  {
    unsigned char op[512]; memset(op, 0, sizeof op); op[0] = 7; memset(op + 4, 0xff, 4);
    client_send(UMOUNT_SLOT, op);
    until = ms_now() + 3000;
    while (client_busy[UMOUNT_SLOT] && ms_now() < until) { client_poll(); nap_ms(1); }
    if (client_busy[UMOUNT_SLOT]) { printf("iteration %d: HANG: umount2(MNT_DETACH) still inside the kernel after 3 s\n", it); client_hang("umount"); }
  }
  stuck = race_finish(&ctx, 3000000000LL);
  if (stuck) { printf("iteration %d: HANG: %u race threads could not be joined\n", it, stuck); hangs++; }
  if (fds[0] >= 0) close(fuse_fd);
  until = ms_now() + 3000;
  while (conn_exists() && ms_now() < until) nap_ms(1);
  if (conn_exists()) { printf("iteration %d: LEAK: connection %d still in fusectl\n", it, conn_id); hangs++; }
  close(abort_fd); abort_fd = -1;
  rmdir(dir);
  /* The outcome, in furc race's words. */
  for (i = 0; tags[i].tag; i++) {
    int sub = -1, status = 0, res = 0;
    for (j = 0; j < (int)ctx.nrows; j++) if (steps[ctx.rows[j].step].op == RACE_SUBMIT && ctx.rows[j].tag == tags[i].ud) { sub = j; status = ctx.rows[j].status; res = ctx.rows[j].res; }
    if (sub >= 0 && (status == RACE_CLOSED || res < 0)) { snprintf(line, sizeof line, "%s %s", tags[i].tag, errname(status == RACE_CLOSED ? -SPEC_EBADF : res, buf)); lines[nl++] = strdup(line); continue; }
    for (j = 0; j < (int)ctx.ncqes; j++) {
      struct race_cqe_rec *c = &ctx.cqes[j]; uint32_t op = 0;
      if (c->ud != tags[i].ud) continue;
      if (c->res == 0 && c->snap_len > HDR_OPCODE) { memcpy(&op, c->snap + HDR_OPCODE, IN_OPCODE_W); snprintf(line, sizeof line, "%s 0 op=%u", tags[i].tag, op); }
      else snprintf(line, sizeof line, "%s %s", tags[i].tag, errname(c->res, buf));
      lines[nl++] = strdup(line);
    }
  }
  for (i = 0; clients[i].tag; i++) { snprintf(line, sizeof line, "client@cpu%d %s", clients[i].cpu, errname((int)client_out[clients[i].slot], buf)); lines[nl++] = strdup(line); }
  qsort(lines, nl, sizeof lines[0], cmp);
  found = nl == (int)(sizeof finding / sizeof finding[0]) - 1;
  printf("iteration %d:", it);
  for (i = 0; i < nl; i++) { printf("%s %s", i ? "," : "", lines[i]); if (found && (!finding[i] || strcmp(lines[i], finding[i]))) found = 0; free(lines[i]); }
  printf("%s\n", found ? "   <- the finding's outcome" : "");
  race_free(&ctx);
  return found;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000, it, hits = 0, f;
  f = open("/sys/module/fuse/parameters/enable_uring", O_RDONLY); if (f >= 0) { if (read(f, param_before, 1) < 0) {} close(f); }
  atexit(restore); param("Y");
  struct sigaction stop; memset(&stop, 0, sizeof stop); stop.sa_handler = on_stop; stop.sa_flags = SA_RESTART; sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, 0); sigaction(SIGTERM, &stop, 0);
  if (unshare(CLONE_NEWNS) < 0 || mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) < 0) { perror("private mount namespace"); return 2; }
  mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, 0);
  start_clients();
  for (it = 0; it < n && !hangs && !stopping; it++) hits += iteration(it, SEED);
  printf("%d iterations: the finding's outcome %d times, %d hangs or leaks\n", it, hits, hangs);
  for (it = 0; it <= UMOUNT_SLOT; it++) kill(client_pid[it], SIGKILL);
  return hits || hangs ? 1 : 0;
}
`;

/** The C source of a race reproducer; `finding` is the outcome it looks for (sorted lines). */
export function raceReproducerSource(rev: RevisionId, nrCpus: number, req: ReproRequest, finding: readonly string[], title: string): string {
  const { built } = buildRace(revision(rev), baseConfig(rev, nrCpus), nrCpus, req, 1);
  const header = `/* Generated by furc race: ${req.scenario} on ${rev} (${nrCpus} CPUs), seed ${req.seed} iteration ${req.iteration}.
 * ${title.replace(/\*\//g, '* /')}
 * Build: cc -O1 -pthread -o repro repro.c    Run as root: ./repro [iterations]   (default 1000; exit 1 on the finding's outcome, a hang or a leak)
 * Each iteration mounts a fresh FUSE connection, starts the waiting clients, runs the race program on its threads with
 * new jitter, settles, aborts through fusectl and unmounts; it prints the outcome in furc race's words.
 * The race engine below is native-probe/src/raceProto.h and raceVm.h verbatim. */
#define _GNU_SOURCE`;
  const target = `static const char *finding[] = {\n${finding.map((l) => `  ${cstr(l)},`).join('\n')}\n  0\n};\n#define SEED ${req.seed}u`;
  return `${header}\n${engineSource()}\n${arenaSource(built.arena)}\n${programSource(built, rev, nrCpus)}\n${target}\n${RUNTIME}`;
}

export function writeRaceReproducer(file: string, rev: RevisionId, nrCpus: number, req: ReproRequest, finding: readonly string[] = [], title = ''): void {
  writeFileSync(file, raceReproducerSource(rev, nrCpus, req, finding, title));
}
