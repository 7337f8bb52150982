// Fuzz cases derived from the spec: a connection set-up and a sequence of steps over the whole interface of a revision:
// its commands, client data ops, the server answering, and the server's memory faulting. Lengths come from the spec's
// constants and the kernel's limits (never from the model under test), so a wrong clamp in the model is probed.
import fc from 'fast-check';
import { INITIAL_FILES } from '../spec/fs/fs.js';
import type { Addr, ClientOp, ConnConfig, MemProt, ReplySpec, UringCmdSpec } from '../spec/conn/commands.js';
import { URING_INIT_FLAGS } from '../spec/rules/scenario.js';
import { revision, type Revision } from '../spec/revisions.js';
import { ERRNO } from '../spec/errno.js';
import { FOPEN, FUSE_INIT_FLAG, FUSE_MIN_READ_BUFFER } from '../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, fuse_uring_req_header } from '../spec/uapi/fuse_uring.js';
import type { RevisionId } from '../spec/types.js';
import type { FuzzCase, Step } from '../src/target/case.js';
import { families } from '../spec/scenarios/families.js';

export type { CommitRef, FuzzCase, Step } from '../src/target/case.js';

/** What the kernel under test allows beyond the spec: fs.fuse.max_pages_limit (read by the caller; 256 by default). */
export interface KernelLimits { readonly maxPagesLimit: number; readonly pageSize: number }
export const DEFAULT_LIMITS: KernelLimits = { maxPagesLimit: 256, pageSize: 4096 };

const C = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;
const MIN_READ = FUSE_MIN_READ_BUFFER;
/** cmd_ops no revision answers: INVALID, two past the last command, and the top of the byte. */
const UNKNOWN_CMD_OPS = [C.FUSE_IO_URING_CMD_INVALID, C.FUSE_IO_URING_CMD_ADD_BUFPOOL + 1, C.FUSE_IO_URING_CMD_ADD_BUFPOOL + 3, 0xff] as const;
const { ENOENT, EIO, EACCES, ERESTARTSYS } = ERRNO;
const MAX_WRITES = [4096, 65536, 131072, 1 << 20] as const;
const MAX_PAGES = [1, 16, 32, 256, 1000] as const;

const addr: fc.Arbitrary<Addr> = fc.oneof({ weight: 12, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('null' as const, 'unmapped' as const, 'kernel' as const));

function arbConfig(rev: RevisionId, nrCpus: number): fc.Arbitrary<ConnConfig> {
  // A revision that reports buffers in CQE flags takes them from an io_uring kernel-managed ring the server sets up first.
  const kmbuf = revision(rev).bufferReport === 'cqe_flags';
  const zeroCopyQueues = revision(rev).tables.add_queue !== undefined;
  const ringSetup = fc.record({ kmbuf_bgid0: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, fc.constant(false)), kmbuf_nbufs: fc.constantFrom(0, 1, 2, 4, 8), fixed_buffers: fc.constantFrom(0, 1, 2) });
  return fc.record({
    ringSetup: kmbuf ? ringSetup.map((x) => x as typeof x | null) : fc.constant(null),
    sqe128: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
    enable_uring: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, fc.constant(false)),
    answerInit: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
    abortError: fc.boolean(),
    maxPagesFlag: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
    uring: fc.oneof({ weight: 10, arbitrary: fc.constant(true) }, fc.constant(false)),
    max_write: fc.constantFrom(...MAX_WRITES),
    max_pages: fc.constantFrom(...MAX_PAGES),
    unbound: fc.oneof({ weight: 30, arbitrary: fc.constant(null) }, fc.constantFrom('plain' as const, 'sync_init' as const)),
    // Where queues can be zero-copy (R8 ADD_QUEUE): a buffer table around the entries' slots, and files opened for it.
    bufferTable: zeroCopyQueues ? fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.constantFrom(1, nrCpus, 8)) : fc.constant(0),
    zcOpen: zeroCopyQueues ? fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, fc.constant(true)) : fc.constant(false),
  }).map((c) => {
    let flags = URING_INIT_FLAGS;
    if (c.abortError) flags |= FUSE_INIT_FLAG.FUSE_ABORT_ERROR;
    if (!c.maxPagesFlag) flags &= ~FUSE_INIT_FLAG.FUSE_MAX_PAGES;
    if (!c.uring) flags &= ~FUSE_INIT_FLAG.FUSE_OVER_IO_URING;
    return {
      revision: rev, sqe128: c.sqe128, enable_uring: c.enable_uring, mount: c.unbound === null,
      ...(c.unbound === 'sync_init' ? { sync_init: true } : {}),
      init: c.answerInit ? { flags, max_write: c.max_write, max_pages: c.max_pages } : null,
      caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true }, memlock_limit: 64 << 20, nr_cpus: nrCpus,
      ...(c.ringSetup ? { ring_setup: c.ringSetup } : {}),
      ...(c.bufferTable ? { buffer_table: c.bufferTable } : {}),
      ...(c.zcOpen ? { open_flags: FOPEN.FOPEN_DIRECT_IO | FOPEN.FOPEN_IO_URING_ZERO_COPY } : {}),
    };
  });
}

/** Where a ring's payload size can land: FUSE_MIN_READ_BUFFER, each max_write, each max_pages and the kernel's page limit. */
function payloadBoundaries(lim: KernelLimits): number[] {
  const pages = [...MAX_PAGES, lim.maxPagesLimit].map((p) => Math.min(p, lim.maxPagesLimit) * lim.pageSize);
  return [...new Set([MIN_READ, ...MAX_WRITES, ...pages])].sort((a, b) => a - b);
}

/** Lengths at and around each boundary, plus 0 and a few ordinary ones. */
const around = (ns: readonly number[]) => fc.constantFrom(...ns).chain((n) => fc.constantFrom(n, n - 1, n + 1)).map((n) => Math.max(0, n));

/** The revision's REGISTER flag bits (R4 init.flags, R7/R8 sqe flags), from its constants. */
const registerFlagBits = (rev: Revision): bigint[] =>
  rev.constants.filter((c) => /^FUSE_URING_(BUF_RING|BUFRING|PINNED_HEADERS|PINNED_BUFFERS|ZERO_COPY)$/.test(c.name)).map((c) => BigInt(c.value));

/** Flags: none, a subset of the revision's bits, or any 64-bit word. */
function arbFlags(rev: Revision): fc.Arbitrary<bigint> {
  const bits = registerFlagBits(rev);
  const subset = fc.subarray(bits).map((b) => b.reduce((a, x) => a | x, 0n));
  return fc.oneof({ weight: 8, arbitrary: fc.constant(0n) }, { weight: bits.length ? 8 : 0, arbitrary: subset }, { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) });
}

/** R4's init word and R7's ring sizes, for revisions whose cmd_req has them (queue depth and buffer size around their checks). */
function arbRingFields(rev: Revision, lim: KernelLimits): fc.Arbitrary<Partial<UringCmdSpec>> {
  const has = new Set(rev.lookup(rev.cmdReq).fields.map((f) => f.name));
  const depth = fc.constantFrom(0, 1, 2, 4, 64, 0xffff);
  const size = fc.constantFrom(0, ...payloadBoundaries(lim)).chain((n) => fc.constantFrom(n, n - 1, n + 1)).map((n) => Math.max(0, n));
  return fc.record({ depth, size, init: arbFlags(rev) }).map((r): Partial<UringCmdSpec> => ({
    ...(has.has('init') ? { init_flags$R4: Number(r.init & 0xffffffffn), queue_depth: r.depth } : {}),
    ...(has.has('queue_depth') ? { queue_depth: r.depth } : {}),
    ...(has.has('buf_size') ? { buf_size: r.size } : {}),
  }));
}

function arbRegister(nrCpus: number, lim: KernelLimits, rev: Revision): fc.Arbitrary<UringCmdSpec> {
  const pays = payloadBoundaries(lim);
  const hasInit = rev.lookup(rev.cmdReq).fields.some((f) => f.name === 'init');
  return fc.record({
    qid: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: nrCpus - 1 }) }, fc.constantFrom(nrCpus, 0xffff)),
    sqe_len: fc.oneof({ weight: 12, arbitrary: fc.constant(2) }, fc.constantFrom(0, 1, 3)),
    iov_array: addr,
    hdr: fc.oneof({ weight: 6, arbitrary: fc.constant(HEADER) }, around([HEADER]), fc.constant(0)),
    pay: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...pays) }, around(pays), fc.constant(0)),
    // The header and payload bases go in unchecked (REGISTER imports them with access_ok only): later copies fault.
    hdrAddr: addr, payAddr: fc.oneof({ weight: 20, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('null' as const, 'unmapped' as const, 'kernel' as const)),
    flags: hasInit ? fc.oneof({ weight: 10, arbitrary: fc.constant(0n) }, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })) : arbFlags(rev),
    buf_index: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffff })),
    ring: arbRingFields(rev, lim),
    zc: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, fc.integer({ min: 0, max: 8 })),
    fixed: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, fc.constant(true)),
    poolShape: fc.boolean(),
  }).map((r): UringCmdSpec => ({
    cmd_op: C.FUSE_IO_URING_CMD_REGISTER, qid: r.qid, sqe_len: r.sqe_len, iov_array: r.iov_array, flags: r.flags, buf_index: r.buf_index, ...r.ring,
    // R8: a pool queue's REGISTER passes {NULL, 0} for the payload; the fixed flag names its registered pool.
    iov: [{ len: r.hdr, addr: r.hdrAddr, aligned: true }, rev.tables.add_bufpool && r.poolShape ? { len: 0, addr: 'null', aligned: true } : { len: r.pay, addr: r.payAddr, aligned: true }],
    ...(rev.tables.add_queue ? { ...(r.zc !== undefined ? { ent_zero_copy_buf_index: r.zc } : {}), ...(r.fixed ? { fixed: true } : {}) } : {}),
  }));
}

/** R8: ADD_QUEUE and ADD_BUFPOOL around their checks (flags, capability, pool length in buffers of max_payload_sz). */
function arbR8(nrCpus: number, lim: KernelLimits): fc.Arbitrary<UringCmdSpec> {
  const qid = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: nrCpus - 1 }) }, fc.constant(nrCpus));
  const addQueue = fc.record({ qid, flags: fc.oneof({ weight: 6, arbitrary: fc.constant(0n) }, fc.constantFrom(1n, 2n, 3n)) })
    .map((r): UringCmdSpec => ({ cmd_op: C.FUSE_IO_URING_CMD_ADD_QUEUE, qid: r.qid, flags: r.flags }));
  const addPool = fc.record({
    qid, buffers: fc.constantFrom(0, 1, 2, 3), size: fc.constantFrom(...payloadBoundaries(lim)), delta: fc.constantFrom(-1, 0, 1),
    reserved: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.constant(1)), flags: fc.oneof({ weight: 10, arbitrary: fc.constant(0n) }, fc.constant(1n)),
    fixed: fc.boolean(), buf_index: fc.constantFrom(0, 1, 3), a: fc.oneof({ weight: 10, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('null' as const, 'unmapped' as const)),
  }).map((r): UringCmdSpec => ({
    cmd_op: C.FUSE_IO_URING_CMD_ADD_BUFPOOL, qid: r.qid, flags: r.flags, fixed: r.fixed, buf_index: r.buf_index,
    bufpool: { addr: r.a, len: Math.max(0, r.buffers * r.size + r.delta), reserved: r.reserved },
  }));
  return fc.oneof(addQueue, addPool);
}

const arbReply: fc.Arbitrary<ReplySpec> = fc.record({
  unique: fc.oneof({ weight: 10, arbitrary: fc.constant('match' as const) }, fc.constantFrom('zero' as const, 'other' as const)),
  // Positive errors and the -ERESTARTSYS floor are what a wrong reply check lets through: generated often, not rarely.
  error: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, fc.constantFrom(1, 4096, -ERESTARTSYS + 1, -ERESTARTSYS, -ERESTARTSYS - 1), fc.constantFrom(-ENOENT, -EIO, -EACCES, -100000)),
  payload_sz: fc.oneof({ weight: 10, arbitrary: fc.constant('exact' as const) }, fc.constantFrom(0, 8, 103, 105, 127, 129, 143, 145, 4096, 1 << 20)),
});

const FILES = [...INITIAL_FILES.map((f) => f.name), 'new0', 'new1'];

/** Client data ops: sizes at the boundaries a request meets (a page, max_write, the payload sizes), on one of 4 clients. */
function arbClient(nrCpus: number, lim: KernelLimits): fc.Arbitrary<Untagged<Extract<Step, { kind: 'client' }>>> {
  const sizes = [0, 1, lim.pageSize - 1, lim.pageSize, ...payloadBoundaries(lim).flatMap((n) => [n - 1, n, 2 * n + 1])];
  return fc.record({
    op: fc.oneof({ weight: 4, arbitrary: fc.constant('stat' as ClientOp) }, { weight: 3, arbitrary: fc.constantFrom<ClientOp>('open', 'create') },
      { weight: 4, arbitrary: fc.constantFrom<ClientOp>('read', 'write') }, { weight: 2, arbitrary: fc.constantFrom<ClientOp>('fsync', 'close') }),
    cpu: fc.integer({ min: 0, max: nrCpus - 1 }),
    client: fc.integer({ min: 0, max: 3 }),
    file: fc.constantFrom(...FILES),
    size: fc.constantFrom(...sizes.filter((n) => n >= 0 && n <= 8 << 20)),
    offset: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constantFrom(0, 1, 4096, 1 << 20)),
  }).map((c) => ({
    kind: 'client' as const, op: c.op, cpu: c.cpu,
    ...(c.op === 'stat' ? {} : { client: c.client }),
    ...(c.op === 'open' || c.op === 'create' ? { file: c.file } : {}),
    ...(c.op === 'read' || c.op === 'write' ? { size: c.size, ...(c.offset !== undefined ? { offset: c.offset } : {}) } : {}),
  }));
}

/** Memory faults (a later pass names a REGISTER step): a read-only payload is left out, its stale bytes are not modelled. */
const arbMem = fc.record({
  region: fc.constantFrom('header' as const, 'payload' as const),
  prot: fc.constantFrom<MemProt>('none', 'unmapped', 'read', 'rw'),
  part: fc.constantFrom('all' as const, 'tail' as const),
  pick: fc.nat(),
}).map((m) => ({ kind: 'mem' as const, region: m.region, prot: m.region === 'payload' && m.prot === 'read' ? 'none' as const : m.prot, part: m.part, pick: m.pick }));

/** Omit over each member of a union, keeping it discriminated. */
type Untagged<T> = T extends unknown ? Omit<T, 'tag'> : never;
type Draft = Untagged<Exclude<Step, { kind: 'mem' }>> | (Omit<Extract<Step, { kind: 'mem' }>, 'entry'> & { pick: number }) | { kind: 'setup'; steps: readonly Draft[] };

/**
 * A whole valid set-up in one draft: the uring commands of the spec's commit baselines (every queue registered, pools
 * first on R8). Random REGISTERs rarely make a ring ready, and without one no request reaches the ring.
 */
function setups(rev: RevisionId, nrCpus: number): Draft[] {
  return families(rev, nrCpus).filter((f) => f.table === 'commit_and_fetch').map((f) => ({
    kind: 'setup' as const,
    steps: f.baseline.prior.filter((c) => c.kind === 'uring_cmd').map((c) => { const { tag: _t, ...d } = c as Extract<Step, { kind: 'uring_cmd' }>; return d as Draft; }),
  }));
}

function arbStep(rev: Revision, nrCpus: number, lim: KernelLimits): fc.Arbitrary<Draft> {
  const parts: fc.WeightedArbitrary<Draft>[] = [
    { weight: 6, arbitrary: arbRegister(nrCpus, lim, rev).map((sqe) => ({ kind: 'uring_cmd' as const, sqe })) },
    {
      weight: 7,
      arbitrary: fc.record({
        ref: fc.oneof({ weight: 8, arbitrary: fc.nat(6).map((k) => ({ delivered: k })) }, fc.constant('forged' as const)),
        sameQueue: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, fc.constant(false)),
        qid: fc.integer({ min: 0, max: nrCpus }),
        reply: arbReply,
        fixed: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)),
      }).map((c) => ({ kind: 'uring_cmd' as const, sqe: { cmd_op: C.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: c.qid, reply: c.reply, ...(rev.tables.add_bufpool && c.fixed ? { fixed: true, buf_index: 3 } : {}) }, commit: { ref: c.ref, sameQueue: c.sameQueue } })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_CMD_OPS).map((op) => ({ kind: 'uring_cmd' as const, sqe: { cmd_op: op, qid: 0 } })) },
    { weight: 7, arbitrary: arbClient(nrCpus, lim) },
    { weight: 4, arbitrary: fc.constant({ kind: 'serve' as const }) },
    { weight: 2, arbitrary: arbMem },
    { weight: 2, arbitrary: fc.constantFrom(0, -ENOENT, -EIO).map((error) => ({ kind: 'dev_reply' as const, error })) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'abort' as const }, { kind: 'umount' as const }, { kind: 'ring_exit' as const }, { kind: 'server_exit' as const }) },
  ];
  if (rev.tables.add_queue) parts.push({ weight: 5, arbitrary: arbR8(nrCpus, lim).map((sqe) => ({ kind: 'uring_cmd' as const, sqe })) });
  parts.push({ weight: 3, arbitrary: fc.constantFrom(...setups(rev.id, nrCpus)) });
  // A file's life on one client (open, answered, then data ops answered): an op on a handle nobody opened never reaches the ring.
  parts.push({
    weight: 3,
    arbitrary: fc.record({ client: fc.integer({ min: 0, max: 3 }), cpu: fc.integer({ min: 0, max: nrCpus - 1 }), file: fc.constantFrom(...FILES),
      ops: fc.array(arbClient(nrCpus, lim), { minLength: 1, maxLength: 3 }), create: fc.boolean() }).map((r): Draft => {
      const { client, cpu } = r;
      const data = r.ops.map((o) => (o.op === 'read' || o.op === 'write' || o.op === 'fsync' ? o : { ...o, op: 'write' as const, size: 1 }));
      const on = (o: Draft): Draft => ({ ...o, client, cpu } as Draft);
      return { kind: 'setup', steps: [on({ kind: 'client', op: r.create ? 'create' : 'open', cpu, file: r.file } as Draft), { kind: 'serve' },
        ...data.flatMap((o) => [on(o), { kind: 'serve' as const }])] };
    }),
  });
  return fc.oneof(...parts);
}

/**
 * Tags by position (shrinking keeps them unique and readable); a mem step names one of the REGISTERs before it. Steps
 * drawn after a fixed `prefix` (a steered case) number on from it and may name its REGISTERs.
 */
function finish(nested: readonly Draft[], prefix: readonly Step[] = []): Step[] {
  const regs = prefix.filter((s) => s.kind === 'uring_cmd' && s.sqe.cmd_op === C.FUSE_IO_URING_CMD_REGISTER).map((s) => (s as { tag: string }).tag);
  const drafts = nested.flatMap((d) => (d.kind === 'setup' ? d.steps : [d]));
  return drafts.map((s, i): Step => {
    if (s.kind === 'mem' && 'pick' in s) {
      const { pick, ...m } = s;
      return { ...m, ...(m.region === 'pool' ? { qid: 0 } : { entry: regs.length ? regs[pick % regs.length]! : 'none' }) };
    }
    const tag = `s${prefix.length + i}`;
    if (s.kind === 'uring_cmd' && s.sqe.cmd_op === C.FUSE_IO_URING_CMD_REGISTER) regs.push(tag);
    return ('sqe' in s || s.kind === 'client' || s.kind === 'serve' ? { ...s, tag } : s) as Step;
  });
}

/** Cases for a revision, steps drawn from everything it has (R8 adds ADD_QUEUE/ADD_BUFPOOL and pool REGISTERs). */
export function arbCase(rev: RevisionId, nrCpus: number, maxSteps = 14, lim: KernelLimits = DEFAULT_LIMITS): fc.Arbitrary<FuzzCase> {
  const steps = arbSteps(rev, nrCpus, [], 1, maxSteps, lim);
  return arbConfig(rev, nrCpus).chain((config) => steps.map((s) => ({ config, steps: s })));
}

/**
 * Draft arrays by revision, CPUs, limits and length: arbitraries are immutable, so one built per case (as chain's
 * callbacks did) draws the same values as one built once, and building arbStep's tree cost more than drawing from it.
 */
const draftArrays = new Map<string, fc.Arbitrary<Draft[]>>();

function arbDrafts(rev: RevisionId, nrCpus: number, min: number, max: number, lim: KernelLimits): fc.Arbitrary<Draft[]> {
  const key = `${rev} ${nrCpus} ${lim.maxPagesLimit} ${lim.pageSize} ${min} ${max}`;
  let a = draftArrays.get(key);
  if (!a) draftArrays.set(key, a = fc.array(arbStep(revision(rev), nrCpus, lim), { minLength: min, maxLength: max }));
  return a;
}

/** Between `min` and `max` random steps after `prefix`, the prefix included. */
export function arbSteps(rev: RevisionId, nrCpus: number, prefix: readonly Step[], min: number, max: number, lim: KernelLimits = DEFAULT_LIMITS): fc.Arbitrary<Step[]> {
  return arbDrafts(rev, nrCpus, min, Math.max(min, max), lim).map((drafts) => [...prefix, ...finish(drafts, prefix)]);
}
