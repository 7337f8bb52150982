// Writes a standalone C reproducer of a fuzz case: raw syscalls, no dependencies, doing what the kernel target
// (src/kernel/conn.ts) does for each step and printing what it observed in the words of src/target/trace.ts.
// Every byte position and constant comes from spec/ at generation time (fuzz/reproC/layout.ts, templates.ts).
import { writeFileSync } from 'node:fs';
import type { Addr, MemProt, UringCmdSpec } from '../spec/conn/commands.js';
import { revision, type Revision } from '../spec/revisions.js';
import { maxPayloadSz } from '../spec/rules/payload.js';
import { FORGED_COMMIT_ID, NOT_RUN, type FuzzCase, type Step } from '../src/target/case.js';
import { bytesC, constantDefines, definesText, errnoNames, layoutDefines, opInSizes } from './reproC/layout.js';
import { sqeTemplate, templatesC } from './reproC/templates.js';
import { BASE, INCLUDES } from './reproC/runtime/base.js';
import { CLIENTS } from './reproC/runtime/clients.js';
import { CONN } from './reproC/runtime/conn.js';
import { FS } from './reproC/runtime/fs.js';
import { MEMORY } from './reproC/runtime/memory.js';
import { RING } from './reproC/runtime/ring.js';
import { SERVER } from './reproC/runtime/server.js';
import { stepLabel } from './runCase.js';
import { ARENA_SIZE } from '../spec/conn/serverTable.js';
import { devReadSize } from '../src/kernel/fuseMsg.js';
import { jsonText } from '../src/report/json.js';

/**
 * The harness's own numbers (not UAPI), each from where the kernel target declares it; the C applies
 * FURC_TIME_SCALE to the deadlines as src/kernel/timeScale.ts does.
 */
export const HARNESS = {
  /** src/kernel/regions.ts PAGE: how regions are placed and split into head and tail. */
  PAGE: 4096,
  /** spec/conn/serverTable.ts ARENA_SIZE: the registered-buffer arena. */
  ARENA_SIZE,
  /** src/kernel/conn.ts SERVE_MAX, FENCE, DEADLINE (unscaled), the INIT wait of mountAndInit, the ring's entries. */
  SERVE_MAX: 512,
  FENCE_BIT: 1n << 62n,
  /** src/kernel/conn.ts SERVER_IO: the user_data bit of the server's own reads and writes (zero-copy). */
  SERVER_IO_BIT: 1n << 61n,
  DEADLINE: { step: 5000, teardown: 5000, exit: 10_000, fence: 2000 },
  INIT_WAIT: 2000,
  RING_ENTRIES: 64,
  /** native-probe/src/clientPool.cc DATA_MAX; src/kernel/worker.ts starts 4 clients. */
  DATA_MAX: 8 << 20,
  POOL_INITIAL: 4,
  /** src/kernel/fuseMsg.ts devReadSize(): what the kernel target reads /dev/fuse with. */
  devReadSize,
} as const;

const ADDR: Readonly<Record<Addr, string>> = { valid: 'A_VALID', null: 'A_NULL', unmapped: 'A_UNMAPPED', kernel: 'A_KERNEL' };
const PROT: Readonly<Record<MemProt, string>> = { rw: 'P_RW', read: 'P_READ', none: 'P_NONE', unmapped: 'P_UNMAPPED' };
const CLIENT_OP = { stat: 'OP_STAT', open: 'OP_OPEN', create: 'OP_CREATE', read: 'OP_READ', write: 'OP_WRITE', fsync: 'OP_FSYNC', close: 'OP_CLOSE' } as const;
const str = (s: string) => JSON.stringify(s);

/** Serve and the Resolver order tags with localeCompare; the C with strcmp. They must agree on every tag the case can hold. */
function checkTagOrder(steps: readonly Step[]): void {
  const tags = steps.flatMap((s) => ('tag' in s ? [s.tag] : []));
  const all = tags.flatMap((t) => [t, `${t}.1`, `${t}.2`, `${t}.10`]);
  const sign = (n: number) => Math.sign(n);
  for (const a of all) for (const b of all) {
    if (sign(a.localeCompare(b)) !== sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
      throw new Error(`C reproducer: tags ${str(a)} and ${str(b)} order differently under localeCompare and strcmp`);
    }
  }
}

function cmdC(rev: Revision, tag: string, sqe: UringCmdSpec, i: number): string {
  const tmpl = sqeTemplate(rev, sqe, `step ${i + 1} SQE`);
  const r = sqe.reply ?? { unique: 'match', error: 0, payload_sz: 'exact' };
  const cid = sqe.commit_id ?? 0n;
  const iov = sqe.iov ?? [];
  if (iov.length > 4) throw new Error('C reproducer: more than 4 iovecs');
  const fields = [
    `.tag = ${str(tag)}`, '.tmpl = sqe', `.op = ${sqe.cmd_op}`, `.qid = ${sqe.qid}`,
    typeof cid === 'bigint' ? `.commit_mode = 0, .commit_id = ${cid}ull` : `.commit_mode = ${cid === 'current' ? 1 : 2}`,
    `.iov_array = ${ADDR[sqe.iov_array ?? 'valid']}`, `.niov = ${iov.length}`,
    ...(iov.length ? [`.iov = {${iov.map((v) => `{${ADDR[v.addr]}, ${v.len}}`).join(', ')}}`] : []),
    ...(sqe.bufpool ? [`.has_bufpool = 1, .bufpool_kind = ${ADDR[sqe.bufpool.addr]}, .bufpool_len = ${sqe.bufpool.len}`] : []),
    `.fixed = ${sqe.fixed ? 1 : 0}, .buf_index = ${sqe.buf_index ?? 0}`,
    `.reply_unique = ${{ match: 0, zero: 1, other: 2 }[r.unique]}, .reply_error = ${r.error}, .reply_psz = ${r.payload_sz === 'exact' ? -1 : r.payload_sz}`,
    '.serve_fixed = -1', `.zc_index = ${sqe.ent_zero_copy_buf_index ?? 0}`,
  ];
  return `  static const unsigned char sqe[SQE_SIZEOF] = {\n  ${bytesC(tmpl)}\n  };\n  struct cmd c = { ${fields.join(', ')} };`;
}

function stepBody(rev: Revision, s: Step, i: number): string {
  switch (s.kind) {
    case 'uring_cmd': {
      const lines = [cmdC(rev, s.tag, s.sqe, i), `  qid_of_set(${str(s.tag)}, c.qid);`];
      if (s.commit) lines.push(`  resolve_commit(${s.commit.ref === 'forged' ? -1 : s.commit.ref.delivered}, ${s.commit.sameQueue ? 1 : 0}, &c);`, `  qid_of_set(${str(s.tag)}, c.qid);`);
      lines.push('  run_cmd(&c);');
      return lines.join('\n');
    }
    case 'client':
      return `  client_step(${str(s.tag)}, ${CLIENT_OP[s.op]}, ${s.cpu}, ${s.client ?? -1}, ${s.file === undefined ? '0' : str(s.file)}, ${s.size ?? 0}ull, ${s.offset ?? -1});`;
    case 'serve': return `  serve(${str(s.tag)});`;
    case 'mem': {
      const what = { header: 'MEM_HEADER', payload: 'MEM_PAYLOAD', pool: 'MEM_POOL' }[s.region];
      return `  mem_step(${what}, ${str(s.entry ?? '')}, ${s.qid ?? 0}, ${PROT[s.prot]}, ${s.part === 'all' ? 'PART_ALL' : 'PART_TAIL'});`;
    }
    case 'dev_reply': return `  dev_reply(${s.error});`;
    case 'abort': return '  abort_step();';
    case 'umount': return '  resolver_umounted = 1;\n  umount_step();';
    case 'ring_exit': return '  ring_exit();';
    case 'server_exit': return '  server_exit();';
  }
}

function configC(c: FuzzCase, rev: Revision): string {
  const cfg = c.config;
  const cap = `(${cfg.caps.CAP_SYS_ADMIN ? '0' : '(1ull << CAP_SYS_ADMIN)'} | ${cfg.caps.CAP_IPC_LOCK ? '0' : '(1ull << CAP_IPC_LOCK)'})`;
  return [
    '/* The case\'s connection (ConnConfig). */',
    `#define CFG_SQE128 ${cfg.sqe128 ? 1 : 0}`, `#define CFG_ENABLE_URING ${cfg.enable_uring ? 1 : 0}`, `#define CFG_MOUNT ${cfg.mount ? 1 : 0}`,
    `#define CFG_SYNC_INIT ${cfg.sync_init ? 1 : 0}`, `#define CFG_INIT ${cfg.init ? 1 : 0}`, `#define CFG_INIT_FLAGS ${cfg.init?.flags ?? 0n}ull`,
    `#define CFG_CAP_CLEAR ${cap}`, `#define REQ_HEADER_NAME ${str(rev.reqHeader)}`, `#define CFG_BUFFER_TABLE ${cfg.buffer_table ?? 0}`,
    `#define MAX_PAYLOAD_SZ ${cfg.init ? maxPayloadSz(cfg.init, rev.a) : 0}u  /* spec/rules/payload.ts maxPayloadSz */`,
    '/* The kernel target\'s own numbers (fuzz/reproC.ts HARNESS); deadlines in ms, times FURC_TIME_SCALE. */',
    `#define PAGE ${HARNESS.PAGE}u`, `#define ARENA_SIZE ${HARNESS.ARENA_SIZE}u`, `#define SERVE_MAX ${HARNESS.SERVE_MAX}`, `#define FENCE_BIT ${HARNESS.FENCE_BIT}ull`, `#define SERVER_IO_BIT ${HARNESS.SERVER_IO_BIT}ull`,
    `#define DEADLINE_STEP ${HARNESS.DEADLINE.step}`, `#define DEADLINE_TEARDOWN ${HARNESS.DEADLINE.teardown}`, `#define DEADLINE_EXIT ${HARNESS.DEADLINE.exit}`,
    `#define DEADLINE_FENCE ${HARNESS.DEADLINE.fence}`, `#define INIT_WAIT ${HARNESS.INIT_WAIT}`, `#define RING_ENTRIES ${HARNESS.RING_ENTRIES}`,
    `#define DATA_MAX ${HARNESS.DATA_MAX}u`, `#define POOL_INITIAL ${HARNESS.POOL_INITIAL}`, `#define DEV_READ_SIZE ${HARNESS.devReadSize(cfg.init?.max_write ?? 0)}`,
    `#define FORGED_COMMIT_ID ${FORGED_COMMIT_ID}ull  /* src/target/case.ts */`, `#define NOT_RUN ${str(NOT_RUN)}  /* src/target/case.ts */`,
  ].join('\n');
}

const showConfig = (c: FuzzCase) => jsonText(c.config, 'hex', 0);

export function reproducerSource(c: FuzzCase): string {
  const rev = revision(c.config.revision);
  checkTagOrder(c.steps);
  const labels = c.steps.map((s) => stepLabel(s));
  const steps = c.steps.map((s, i) => `/* step ${i + 1}: ${labels[i]!.replace(/\*\//g, '* /')} */\nstatic void step_${i + 1}(void) {\n${stepBody(rev, s, i)}\n}`);
  const fns = c.steps.length ? c.steps.map((_s, i) => `step_${i + 1}`).join(', ') : '0';
  return `/* Generated by furc (fuzz/reproC.ts) from a fuzz case, revision ${rev.id}.
 * Build: cc -O1 -o repro repro.c    Run as root: ./repro    (FURC_TIME_SCALE=10 on a slow machine)
 * It sets fuse.enable_uring as the case needs (and restores it), works in a private mount namespace, and prints each
 * step as "step N: <label>" followed by what it observed, one event per line in the words of src/target/trace.ts
 * (client tags as they are: the corpus file names them client#1, client#2... in order of their results).
 * Lines starting with "#" are notes, not events. ./repro --selftest checks the pattern table and answers fs requests.
 * Every layout offset, size and byte template below was computed from spec/ (layouts through spec/codec).
 * Config: ${showConfig(c).replace(/\*\//g, '* /')} */
${INCLUDES}

${configC(c, rev)}

/* Layouts of revision ${rev.id}: offsets (NAME) and widths (NAME_W) from the spec's tables. */
${definesText(layoutDefines(rev))}
/* Constants, each from its declaration in spec/. */
${definesText(constantDefines())}

${errnoNames()}
${opInSizes(rev)}

${templatesC(rev, c.config)}
${BASE}${MEMORY}${FS}${CLIENTS}${RING}${SERVER}${CONN}
${steps.join('\n\n')}

static const char *const LABELS[] = {${labels.map(str).join(', ') || '0'}};
static const step_fn STEPS[] = {${fns}};

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--selftest")) return selftest();
  return run_case(LABELS, STEPS, ${c.steps.length});
}
`;
}

export function writeReproducer(file: string, c: FuzzCase): void {
  writeFileSync(file, reproducerSource(c));
}

