// One Revision object per UAPI revision: constants, layouts, rule tables and behaviour, in one place. A revision is a
// definition in DEFINITIONS: nothing outside spec/ branches on a revision's id.
import { ASSUMPTIONS, resolveAssumptions } from './assumptions.js';
import type { ConnConfig } from './conn/commands.js';
import { initWordR4, noExtraFields, ringSizesR7, unionR8, type CmdReqFields } from './conn/cmdReq.js';
import { ERRNO } from './errno.js';
import { UsageError } from './errors.js';
import { constant, registry } from './uapi/dsl.js';
import { FUSE_KERNEL_CONSTANTS, FUSE_KERNEL_LAYOUTS } from './uapi/fuse_kernel.js';
import { R0_CMD_OPS, R0_CONSTANTS, R0_LAYOUTS, R4_CONSTANTS, R4_LAYOUTS, R8_CMD_OPS, R8_CONSTANTS, R8_LAYOUTS, r7Layouts } from './uapi/fuse_uring.js';
import { IO_URING_CONSTANTS, IO_URING_LAYOUTS } from './uapi/io_uring.js';
import { LINUX_CONSTANTS } from './uapi/linux.js';
import { commonR0, commonR72, commonR8 } from './rules/common.js';
import { commitR0, commitR72, registerR0 } from './rules/r0.js';
import { registerR4 } from './rules/r4.js';
import { registerR7, r7FlagBits } from './rules/r7.js';
import { addBufpoolR8, addQueueR8, commitR8, registerR8 } from './rules/r8.js';
import { replyR0, replyR8 } from './rules/reply.js';
import { deliverR0, deliverR8 } from './rules/deliver.js';
import type { RuleTable, TableId } from './rules/types.js';
import { r0Baselines, r4Baselines, r7Baselines, r8Baselines, type Baselines } from './scenarios/baselines.js';
import { REVISIONS, type Assumption, type AssumptionValues, type Constant, type Layout, type RevisionId } from './types.js';

export type { TableId } from './rules/types.js';

/** How payload buffers are chosen and given back (spec/model/buffers.ts BUFFER_POLICIES). */
export type BufferPolicyId = 'lowest_free_keep' | 'ring_keep' | 'ring_recycle';
/** How the server learns which payload buffer a request uses: its id in the CQE flags (R4) or ent_in_out.buf_id (R7), its pool offset (R8). */
export type BufferReport = 'none' | 'cqe_flags' | 'ent_in_out.buf_id' | 'ent_in_out.offset';
/**
 * How a successful REGISTER sets its queue's mode and where its entries' header and payload live (spec/model/modes.ts
 * QUEUE_MODELS): each entry's own iovecs; R4's init word and kernel-managed ring; R7's init flags and shared regions;
 * R8's ADD_QUEUE/ADD_BUFPOOL queues.
 */
/** A mainline kernel era whose sources a row's citation names functions of. */
export type MainlineEra = '6.14-7.2' | '7.3';
export type QueueModelId = 'per_entry' | 'init_word_kmbuf' | 'init_flags_bufring' | 'add_queue_pool';

export interface Revision {
  readonly id: RevisionId;
  readonly title: string;
  readonly status: string;
  readonly constants: readonly Constant[];
  readonly layouts: readonly Layout[];
  readonly lookup: (name: string) => Layout;
  /** Tables in the order a command meets them; commands map to their table. */
  readonly tables: Readonly<Partial<Record<TableId, RuleTable>>>;
  readonly cmdOps: Readonly<Record<string, number>>;
  readonly assumptions: readonly Assumption[];
  readonly a: AssumptionValues;
  /** Name of the cmd_req layout of this revision. */
  readonly cmdReq: string;
  /** How a command's fields fill the cmd_req beyond flags, commit_id and qid (spec/conn/cmdReq.ts). */
  readonly cmdReqFields: CmdReqFields;
  readonly bufferReport: BufferReport;
  readonly bufferPolicy: BufferPolicyId;
  readonly queueModel: QueueModelId;
  /**
   * The CQE res of a command whose sleep in the submitter's context a signal ended: -ERESTARTSYS leaks through io_uring
   * until 7.3.2's "io_uring: don't pass restart error codes to userspace" (io_fixup_restart_res) makes it -EINTR.
   */
  readonly interruptedRes: number;
  readonly reqHeader: string;
  /** 7.3 creates the ring at INIT when io_uring was negotiated (process_init_reply → fuse_uring_create), not at the first REGISTER. */
  readonly ringAtInit: boolean;
  /**
   * Torn down with INIT unanswered, the connection sets fc->conn_error (process_init_reply); 7.x tests it in
   * fs/fuse/req.c:fuse_req_prep before !connected, so later clients get ECONNREFUSED, where 6.x's fuse_get_req says ENOTCONN.
   */
  readonly abortBeforeInitRefuses: boolean;
  /**
   * 7.x fuse_chan_abort() stores abort_with_err before testing connected, so a later umount or device release (without
   * the error) clears it and commands then answer ENOTCONN; 6.x sets fc->aborted only in fusectl's abort.
   */
  readonly releaseClearsAbortError: boolean;
  /** The mainline kernel whose fs/fuse its rows cite: 6.14–7.2's for R0 and the series built on it, 7.3's for R8. */
  readonly mainline: MainlineEra;
  /** What a well-behaved server sets up in io_uring before its first REGISTER (R4: the kernel-managed ring at bgid 0). */
  readonly serverRingSetup?: NonNullable<ConnConfig['ring_setup']>;
  /** Valid baselines of this revision's command shapes: the families whose rows the conformance suite breaks. */
  readonly baselines: Baselines;
}

/** What a revision defines for given assumption values: its own layouts and constants (the shared ones are added). */
export type RevisionDefinition = (a: AssumptionValues) => Omit<Revision, 'id' | 'lookup' | 'assumptions' | 'a'>;

const BASE_LAYOUTS = [...IO_URING_LAYOUTS, ...FUSE_KERNEL_LAYOUTS];
const BASE_CONSTANTS = [...IO_URING_CONSTANTS, ...FUSE_KERNEL_CONSTANTS, ...R0_CONSTANTS, ...LINUX_CONSTANTS];
/** 6.14–7.2 behaviour of the connection around the ring: what R0, and the series built on it (R4, R7), keep. */
const MAINLINE_6 = { mainline: '6.14-7.2', ringAtInit: false, abortBeforeInitRefuses: false, releaseClearsAbortError: false, interruptedRes: -ERRNO.ERESTARTSYS } as const;

/** An R0 kernel with 7.2's fuse_chan rework (measured: kernel.fuse_chan 1) keeps 7.3's connection around the ring. */
const CHAN_72 = { ...MAINLINE_6, ringAtInit: true, abortBeforeInitRefuses: true, releaseClearsAbortError: true } as const;

const R0: RevisionDefinition = (a) => {
  const chan = a['kernel.fuse_chan'] !== 0n;
  return {
    title: 'mainline 6.14–7.2: REGISTER / COMMIT_AND_FETCH with per-entry iovecs', status: 'merged (v6.14)', ...(chan ? CHAN_72 : MAINLINE_6),
    layouts: R0_LAYOUTS, constants: [], cmdOps: R0_CMD_OPS, cmdReq: 'fuse_uring_cmd_req', cmdReqFields: noExtraFields,
    bufferReport: 'none', bufferPolicy: 'lowest_free_keep', queueModel: 'per_entry', reqHeader: 'fuse_uring_req_header', baselines: r0Baselines,
    tables: { common: chan ? commonR72() : commonR0(), register: registerR0(), commit_and_fetch: chan ? commitR72() : commitR0(), reply: replyR0(), deliver: deliverR0() },
  };
};

const R4: RevisionDefinition = () => ({
  title: 'Dec 2025 kernel-managed buffer rings v4: init.flags BUF_RING / ZERO_COPY', status: 'posted, superseded', ...MAINLINE_6,
  layouts: R4_LAYOUTS, cmdOps: R0_CMD_OPS, cmdReq: 'fuse_uring_cmd_req$R4', cmdReqFields: initWordR4,
  bufferReport: 'cqe_flags', bufferPolicy: 'ring_keep', queueModel: 'init_word_kmbuf', reqHeader: 'fuse_uring_req_header', baselines: r4Baselines,
  // The server's kernel-managed ring at bgid 0 holds 4 buffers (its choice) and fixed buffer 0 holds the headers.
  serverRingSetup: { kmbuf_bgid0: true, kmbuf_nbufs: 4, fixed_buffers: 1 },
  constants: R4_CONSTANTS,
  tables: { common: commonR0(), register: registerR4(), commit_and_fetch: commitR0(), reply: replyR0(), deliver: deliverR0() },
});

const R7: RevisionDefinition = (a) => {
  const b = r7FlagBits(a);
  const as = (n: string, v: bigint, id2: string) => constant(n, v, { ref: 'April-2026 v2 include/uapi/linux/fuse.h', assumption: id2 });
  return {
    title: 'April 2026 v2: BUFRING, PINNED_HEADERS, PINNED_BUFFERS, ZERO_COPY', status: 'posted, superseded by R8', ...MAINLINE_6,
    layouts: r7Layouts(a), cmdOps: R0_CMD_OPS, cmdReq: 'fuse_uring_cmd_req$R7', cmdReqFields: ringSizesR7,
    bufferReport: 'ent_in_out.buf_id', bufferPolicy: 'ring_recycle', queueModel: 'init_flags_bufring', reqHeader: 'fuse_uring_req_header$R7', baselines: r7Baselines,
    constants: [
      as('FUSE_URING_BUFRING', b.BUFRING, 'r7.flag.FUSE_URING_BUFRING'),
      as('FUSE_URING_PINNED_HEADERS', b.PINNED_HEADERS, 'r7.flag.FUSE_URING_PINNED_HEADERS'),
      as('FUSE_URING_PINNED_BUFFERS', b.PINNED_BUFFERS, 'r7.flag.FUSE_URING_PINNED_BUFFERS'),
      as('FUSE_URING_ZERO_COPY', b.ZERO_COPY, 'r7.flag.FUSE_URING_ZERO_COPY'),
    ],
    tables: { common: commonR0(), register: registerR7(a), commit_and_fetch: commitR0(), reply: replyR0(), deliver: deliverR0() },
  };
};

const R8: RevisionDefinition = () => ({
  title: 'mainline 7.3: ADD_QUEUE, ADD_BUFPOOL, ZERO_COPY buffer pools', status: 'merged (v7.3-rc1)',
  layouts: R8_LAYOUTS, cmdReq: 'fuse_uring_cmd_req$R8', cmdReqFields: unionR8,
  bufferReport: 'ent_in_out.offset', bufferPolicy: 'lowest_free_keep', queueModel: 'add_queue_pool', reqHeader: 'fuse_uring_req_header$R8', baselines: r8Baselines,
  mainline: '7.3', interruptedRes: -ERRNO.EINTR, ringAtInit: true, abortBeforeInitRefuses: true, releaseClearsAbortError: true,
  cmdOps: R8_CMD_OPS, constants: R8_CONSTANTS,
  tables: {
    common: commonR8(), add_queue: addQueueR8(), add_bufpool: addBufpoolR8(),
    register: registerR8(), commit_and_fetch: commitR8(), reply: replyR8(), deliver: deliverR8(),
  },
});

/** The registry of revisions: the shipped ones (REVISIONS), and any a test defines on top. */
const DEFINITIONS = new Map<string, RevisionDefinition>([['R0', R0], ['R4', R4], ['R7', R7], ['R8', R8]]);

export class UnknownRevisionError extends UsageError {}

export function isRevisionId(s: string): s is RevisionId {
  return DEFINITIONS.has(s);
}

/** The definition of a known revision, to build another on it. */
export function definition(id: RevisionId): RevisionDefinition {
  const d = DEFINITIONS.get(id);
  if (!d) throw new UnknownRevisionError(`unknown revision '${id}' (known: ${[...DEFINITIONS.keys()].join(', ')})`);
  return d;
}

/**
 * Adds a revision to the registry (a shipped one is also listed in REVISIONS, spec/types.ts); returns what removes it.
 * Everything that takes a revision id (model, families, conformance cases) then knows it.
 */
export function defineRevision(id: RevisionId, d: RevisionDefinition): () => void {
  if (DEFINITIONS.has(id)) throw new Error(`revision ${id} is already defined`);
  DEFINITIONS.set(id, d);
  return () => { DEFINITIONS.delete(id); };
}

/** Builds a revision with assumptions resolved (defaults, or values read from a kernel header). */
/** Built revisions by id and overrides: a revision is plain data, and building one costs more than a fuzz step. */
const built = new Map<string, Revision>();

export function revision(id: string, overrides: AssumptionValues = {}): Revision {
  const key = `${id}|${Object.entries(overrides).map(([k, v]) => `${k}=${String(v)}`).sort().join(',')}`;
  const known = built.get(key);
  if (known) return known;
  const r = buildRevision(id, overrides);
  built.set(key, r);
  return r;
}

/** `derive` computed once per built revision: what a hot path reads from a revision's layouts on every request. */
export function perRevision<T>(derive: (rev: Revision) => T): (rev: Revision) => T {
  const known = new WeakMap<Revision, T>();
  // The revision asked for last answers without a lookup: a process serves one revision per request (headerParts and
  // sqeLayouts run for each), and a WeakMap lookup hashes.
  let lastRev: Revision | null = null, last: T | undefined;
  return (rev) => {
    if (rev === lastRev) return last as T;
    let v = known.get(rev);
    if (v === undefined && !known.has(rev)) known.set(rev, (v = derive(rev)));
    lastRev = rev; last = v;
    return v as T;
  };
}

function buildRevision(id: string, overrides: AssumptionValues): Revision {
  if (!isRevisionId(id)) throw new UnknownRevisionError(`unknown revision '${id}' (known: ${[...DEFINITIONS.keys()].join(', ')})`);
  const a = resolveAssumptions(overrides);
  const d = definition(id)(a);
  const layouts = [...BASE_LAYOUTS, ...d.layouts];
  return {
    ...d, id, layouts, constants: [...BASE_CONSTANTS, ...d.constants], lookup: registry(layouts), a,
    assumptions: ASSUMPTIONS.filter((x) => x.revision === id || x.id.startsWith('kernel.')),
  };
}

export const allRevisions = (overrides: AssumptionValues = {}): Revision[] => REVISIONS.map((r) => revision(r, overrides));
