// Fuzz cases derived from the spec: a connection set-up and a sequence of steps over the whole interface.
import fc from 'fast-check';
import type { Addr, Command, ConnConfig, ReplySpec, UringCmdSpec } from '../spec/model/commands.js';
import { maxPayloadSz } from '../spec/rules/payload.js';
import { FUSE_URING_REQ_HEADER_SZ } from '../spec/rules/r0.js';
import { URING_INIT_FLAGS } from '../spec/rules/scenario.js';
import { revision } from '../spec/revisions.js';
import { FUSE_INIT_FLAG } from '../spec/uapi/fuse_kernel.js';
import type { RevisionId } from '../spec/types.js';

/** A commit id named by what the test saw, resolved per target: the k-th delivered request, or one never issued. */
export type CommitRef = { readonly delivered: number } | 'forged';

/** A step: a Command whose COMMIT names its commit id symbolically and may pick the delivering queue. */
export type Step =
  | Exclude<Command, { kind: 'uring_cmd' }>
  | { readonly kind: 'uring_cmd'; readonly tag: string; readonly sqe: UringCmdSpec; readonly commit?: { readonly ref: CommitRef; readonly sameQueue: boolean } };

export interface FuzzCase { readonly config: ConnConfig; readonly steps: readonly Step[] }

const addr: fc.Arbitrary<Addr> = fc.oneof({ weight: 12, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('null' as const, 'unmapped' as const, 'kernel' as const));

function arbConfig(rev: RevisionId, nrCpus: number): fc.Arbitrary<ConnConfig> {
  return fc.record({
    sqe128: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
    enable_uring: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, fc.constant(false)),
    answerInit: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
    abortError: fc.boolean(),
    maxPagesFlag: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
    uring: fc.oneof({ weight: 10, arbitrary: fc.constant(true) }, fc.constant(false)),
    max_write: fc.constantFrom(4096, 65536, 131072, 1 << 20),
    max_pages: fc.constantFrom(1, 16, 32, 256, 1000),
  }).map((c) => {
    let flags = URING_INIT_FLAGS;
    if (c.abortError) flags |= FUSE_INIT_FLAG.FUSE_ABORT_ERROR;
    if (!c.maxPagesFlag) flags &= ~FUSE_INIT_FLAG.FUSE_MAX_PAGES;
    if (!c.uring) flags &= ~FUSE_INIT_FLAG.FUSE_OVER_IO_URING;
    return {
      revision: rev, sqe128: c.sqe128, enable_uring: c.enable_uring, mount: true,
      init: c.answerInit ? { flags, max_write: c.max_write, max_pages: c.max_pages } : null,
      caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true }, memlock_limit: 64 << 20, nr_cpus: nrCpus,
    };
  });
}

/** Lengths at and around the boundaries the spec names, plus a few ordinary ones. */
const around = (n: number) => fc.constantFrom(n, n - 1, n + 1, 0, n * 2);

function arbRegister(nrCpus: number, payload: number): fc.Arbitrary<UringCmdSpec> {
  return fc.record({
    qid: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: nrCpus - 1 }) }, fc.constantFrom(nrCpus, 0xffff)),
    sqe_len: fc.oneof({ weight: 12, arbitrary: fc.constant(2) }, fc.constantFrom(0, 1, 3)),
    iov_array: addr,
    hdr: fc.oneof({ weight: 6, arbitrary: fc.constant(FUSE_URING_REQ_HEADER_SZ) }, around(FUSE_URING_REQ_HEADER_SZ)),
    pay: fc.oneof({ weight: 6, arbitrary: fc.constant(payload) }, around(payload)),
    hdrAddr: addr, payAddr: fc.oneof({ weight: 20, arbitrary: fc.constant('valid' as const) }, fc.constant('kernel' as const)),
    flags: fc.oneof({ weight: 10, arbitrary: fc.constant(0n) }, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    buf_index: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.integer({ min: 0, max: 0xffff })),
  }).map((r) => ({
    cmd_op: 1, qid: r.qid, sqe_len: r.sqe_len, iov_array: r.iov_array, flags: r.flags, buf_index: r.buf_index,
    // Unmapped header/payload bases are accepted at REGISTER and only fault when used; the harness keeps those valid.
    iov: [{ len: r.hdr, addr: r.hdrAddr === 'unmapped' || r.hdrAddr === 'null' ? 'valid' : r.hdrAddr, aligned: true },
      { len: r.pay, addr: r.payAddr, aligned: true }],
  }));
}

const arbReply: fc.Arbitrary<ReplySpec> = fc.record({
  unique: fc.oneof({ weight: 10, arbitrary: fc.constant('match' as const) }, fc.constantFrom('zero' as const, 'other' as const)),
  error: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.constantFrom(-2, -5, -13, 1, 4096, -511, -512, -100000)),
  payload_sz: fc.oneof({ weight: 10, arbitrary: fc.constant('exact' as const) }, fc.constantFrom(0, 8, 103, 105, 4096, 1 << 20)),
});

function arbStep(nrCpus: number, payload: number): fc.Arbitrary<Omit<Step, 'tag'> & { tag?: string }> {
  return fc.oneof(
    { weight: 6, arbitrary: arbRegister(nrCpus, payload).map((sqe) => ({ kind: 'uring_cmd' as const, sqe })) },
    {
      weight: 6,
      arbitrary: fc.record({
        ref: fc.oneof({ weight: 8, arbitrary: fc.nat(6).map((k) => ({ delivered: k })) }, fc.constant('forged' as const)),
        sameQueue: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, fc.constant(false)),
        qid: fc.integer({ min: 0, max: nrCpus }),
        reply: arbReply,
      }).map((c) => ({ kind: 'uring_cmd' as const, sqe: { cmd_op: 2, qid: c.qid, reply: c.reply }, commit: { ref: c.ref, sameQueue: c.sameQueue } })),
    },
    { weight: 1, arbitrary: fc.constantFrom(0, 3, 4, 7, 255).map((op) => ({ kind: 'uring_cmd' as const, sqe: { cmd_op: op, qid: 0 } })) },
    { weight: 5, arbitrary: fc.integer({ min: 0, max: nrCpus - 1 }).map((cpu) => ({ kind: 'client' as const, op: 'stat' as const, cpu })) },
    { weight: 2, arbitrary: fc.constantFrom(0, -2, -5).map((error) => ({ kind: 'dev_reply' as const, error })) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'abort' as const }, { kind: 'umount' as const }, { kind: 'ring_exit' as const }, { kind: 'server_exit' as const }) },
  );
}

/** Cases for a revision; tags are assigned by position so shrinking keeps them unique and readable. */
export function arbCase(rev: RevisionId, nrCpus: number, maxSteps = 14): fc.Arbitrary<FuzzCase> {
  return arbConfig(rev, nrCpus).chain((config) => {
    const payload = config.init ? maxPayloadSz(config.init, revision(rev).a) : 131072;
    return fc.array(arbStep(nrCpus, payload), { minLength: 1, maxLength: maxSteps }).map((steps) => ({
      config,
      steps: steps.map((s, i) => ('sqe' in s || s.kind === 'client' ? { ...s, tag: `s${i}` } : s) as Step),
    }));
  });
}
