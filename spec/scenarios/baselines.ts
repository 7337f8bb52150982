// Valid baseline scenarios of each revision's command shapes (a Revision's `baselines`); spec/scenarios/families.ts makes
// families of them and finds the rows each can break in the rule tables.
import type { ClientCommand, Command, ConnConfig, UringCmdSpec } from '../conn/commands.js';
import { FOPEN } from '../uapi/fuse_kernel.js';
import { FUSE_URING_ZERO_COPY$R8 } from '../uapi/fuse_uring.js';
import { encodeR7Flags } from '../rules/r7.js';
import type { TableId } from '../rules/types.js';
import type { AssumptionValues } from '../types.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_CMD, fuse_uring_req_header } from '../uapi/fuse_uring.js';

/** What a baseline is built for: the machine's CPUs and the revision's assumptions, with the ring's max_payload_sz. */
export interface BaselineContext { readonly nr_cpus: number; readonly max: number; readonly a: AssumptionValues }

export interface Baseline {
  /** The command shape, e.g. "register.first_bufring"; the family is named "<revision> <name>". */
  readonly name: string;
  readonly table: TableId;
  /** Whether the probe's CQE (REGISTER, ADD_*, COMMIT) or a client's result (reply, delivery) tells the outcome. */
  readonly observe: 'cqe' | 'client';
  /** What the valid baseline must give: held (REGISTER/COMMIT), a CQE of 0 (ADD_*), or a client result of 0. */
  readonly valid: 'held' | 'zero';
  readonly prior: readonly Command[];
  readonly probe: UringCmdSpec;
  readonly probeClient?: ClientCommand;
  /** What the baseline changes in the revision's base configuration (e.g. the buffer table and open flags of zero-copy). */
  readonly config?: Partial<ConnConfig>;
}

export type Baselines = (ctx: BaselineContext) => readonly Baseline[];

const C = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

/** A well-formed R0-shaped REGISTER: two iovecs, a fuse_uring_req_header-sized header and a `payload`-byte payload. */
export const registerSqe = (qid: number, payload: number, extra: Partial<UringCmdSpec> = {}): UringCmdSpec => ({
  cmd_op: C.FUSE_IO_URING_CMD_REGISTER, qid, sqe_len: 2, iov_array: 'valid',
  iov: [{ len: HEADER, addr: 'valid', aligned: true }, { len: payload, addr: 'valid', aligned: true }], ...extra,
});

const reg = registerSqe;
const registerAll = (nr: number, payload: number, extra: Partial<UringCmdSpec> = {}): Command[] =>
  Array.from({ length: nr }, (_, q) => ({ kind: 'uring_cmd' as const, tag: `reg.${q}`, sqe: reg(q, payload, extra) }));

/** COMMIT_AND_FETCH, its reply and delivery, on a ring of per-entry REGISTERs with one request delivered. */
function commitBaselines(ctx: BaselineContext): Baseline[] {
  const prior: Command[] = [...registerAll(ctx.nr_cpus, ctx.max), { kind: 'client', tag: 'client.0', op: 'stat', cpu: 0 }];
  const probe: UringCmdSpec = { cmd_op: C.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: 0, commit_id: 'current', reply: { unique: 'match', error: 0, payload_sz: 'exact' } };
  // A LOOKUP (it has a payload: the name) from client 0 lands in the newest entry of queue 0.
  const open: ClientCommand = { kind: 'client', tag: 'probe', op: 'open', file: 'small', cpu: 0, client: 0 };
  return [
    { name: 'commit_and_fetch', table: 'commit_and_fetch', observe: 'cqe', valid: 'held', prior, probe },
    { name: 'reply', table: 'reply', observe: 'client', valid: 'zero', prior, probe },
    { name: 'deliver', table: 'deliver', observe: 'client', valid: 'held', prior: prior.filter((c) => c.kind !== 'client'), probe, probeClient: open },
  ];
}

export const r0Baselines: Baselines = (ctx) => [
  { name: 'register', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: reg(0, ctx.max) },
  ...commitBaselines(ctx),
];

export const r4Baselines: Baselines = (ctx) => {
  const br = { init_flags$R4: FUSE_URING_BUF_RING$R4, queue_depth: 4, buf_index: 0, sqe_len: 0, iov: [] };
  const first: UringCmdSpec = { cmd_op: C.FUSE_IO_URING_CMD_REGISTER, qid: 0, ...br };
  return [
    { name: 'register.plain', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: reg(0, ctx.max) },
    { name: 'register.first_bufring', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: first },
    { name: 'register.later_bufring', table: 'register', observe: 'cqe', valid: 'held', prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: first }], probe: { ...first, buf_index: 1 } },
    ...commitBaselines(ctx),
  ];
};

export const r7Baselines: Baselines = (ctx) => {
  const flags = encodeR7Flags({ bufring: true, pinned_headers: true, pinned_buffers: true, zero_copy: false }, ctx.a);
  const br: UringCmdSpec = {
    cmd_op: C.FUSE_IO_URING_CMD_REGISTER, qid: 0, flags, queue_depth: 4, buf_size: ctx.max, buf_index: 0, sqe_len: 2, iov_array: 'valid',
    iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * ctx.max, addr: 'valid', aligned: true }],
  };
  return [
    { name: 'register.plain', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: reg(0, ctx.max) },
    { name: 'register.first_bufring', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: br },
    { name: 'register.later_bufring', table: 'register', observe: 'cqe', valid: 'held', prior: [{ kind: 'uring_cmd', tag: 'reg.first', sqe: br }], probe: { ...br, buf_index: 1 } },
    ...commitBaselines(ctx),
  ];
};

export const r8Baselines: Baselines = (ctx) => {
  const addQ = (qid: number, flags = 0n): Command => ({ kind: 'uring_cmd', tag: `addq.${qid}`, sqe: { cmd_op: C.FUSE_IO_URING_CMD_ADD_QUEUE, qid, flags } });
  const pool = { addr: 'valid' as const, len: 2 * ctx.max, reserved: 0 };
  const addP = (qid: number, extra: Partial<UringCmdSpec> = {}): Command => ({ kind: 'uring_cmd', tag: `addp.${qid}`, sqe: { cmd_op: C.FUSE_IO_URING_CMD_ADD_BUFPOOL, qid, bufpool: pool, ...extra } });
  const poolReg: UringCmdSpec = { ...reg(0, 0), iov: [{ len: HEADER, addr: 'valid', aligned: true }, { len: 0, addr: 'null', aligned: true }] };
  const registeredPool = (q: number): Command[] => [addQ(q), addP(q, { fixed: true, buf_index: 3 }), { kind: 'uring_cmd', tag: `reg.${q}`, sqe: { ...poolReg, qid: q, fixed: true, buf_index: 3 } }];
  // Zero-copy: a ZERO_COPY queue with a pool on every CPU, each entry's pages at slot qid of a buffer table of nr_cpus
  // slots, files opened FOPEN_IO_URING_ZERO_COPY (direct I/O, so READ/WRITE carry the client's pages).
  const zcQueue = (q: number): Command[] => [addQ(q, FUSE_URING_ZERO_COPY$R8), addP(q), { kind: 'uring_cmd', tag: `reg.${q}`, sqe: { ...poolReg, qid: q, ent_zero_copy_buf_index: q } }];
  const zcPrior = Array.from({ length: ctx.nr_cpus }, (_, q) => zcQueue(q)).flat();
  const zcConfig: Partial<ConnConfig> = { buffer_table: ctx.nr_cpus, open_flags: FOPEN.FOPEN_DIRECT_IO | FOPEN.FOPEN_IO_URING_ZERO_COPY };
  const commitProbe: UringCmdSpec = { cmd_op: C.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: 0, commit_id: 'current', reply: { unique: 'match', error: 0, payload_sz: 'exact' } };
  const zcOpen: Command[] = [{ kind: 'client', tag: 'open', op: 'open', file: 'small', cpu: 0, client: 0 }, { kind: 'serve', tag: 'serve.open' }];
  return [
    { name: 'add_queue', table: 'add_queue', observe: 'cqe', valid: 'zero', prior: [], probe: { cmd_op: C.FUSE_IO_URING_CMD_ADD_QUEUE, qid: 0, flags: 0n } },
    { name: 'add_bufpool', table: 'add_bufpool', observe: 'cqe', valid: 'zero', prior: [addQ(0)], probe: { cmd_op: C.FUSE_IO_URING_CMD_ADD_BUFPOOL, qid: 0, bufpool: pool } },
    { name: 'register.per_entry', table: 'register', observe: 'cqe', valid: 'held', prior: [], probe: reg(0, ctx.max) },
    { name: 'register.pool', table: 'register', observe: 'cqe', valid: 'held', prior: [addQ(0), addP(0)], probe: poolReg },
    { name: 'register.registered_pool', table: 'register', observe: 'cqe', valid: 'held', prior: [addQ(0), addP(0, { fixed: true, buf_index: 3 })], probe: { ...poolReg, fixed: true, buf_index: 3 } },
    ...commitBaselines(ctx),
    {
      name: 'commit_and_fetch.registered_pool', table: 'commit_and_fetch', observe: 'cqe', valid: 'held',
      prior: [...Array.from({ length: ctx.nr_cpus }, (_, q) => registeredPool(q)).flat(), { kind: 'client', tag: 'client.0', op: 'stat', cpu: 0 }],
      probe: { cmd_op: C.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: 0, commit_id: 'current', fixed: true, buf_index: 3, reply: { unique: 'match', error: 0, payload_sz: 'exact' } },
    },
    {
      name: 'commit_and_fetch.zero_copy', table: 'commit_and_fetch', observe: 'cqe', valid: 'held', config: zcConfig,
      prior: [...zcPrior, ...zcOpen, { kind: 'client', tag: 'client.0', op: 'read', size: 4096, offset: 0, cpu: 0, client: 0 }], probe: commitProbe,
    },
    {
      name: 'deliver.registered_pool', table: 'deliver', observe: 'client', valid: 'held', prior: Array.from({ length: ctx.nr_cpus }, (_, q) => registeredPool(q)).flat(), probe: commitProbe,
      probeClient: { kind: 'client', tag: 'probe', op: 'open', file: 'small', cpu: 0, client: 0 },
    },
    {
      name: 'deliver.zero_copy', table: 'deliver', observe: 'client', valid: 'held', config: zcConfig, prior: [...zcPrior, ...zcOpen], probe: commitProbe,
      probeClient: { kind: 'client', tag: 'probe', op: 'read', size: 4096, offset: 0, cpu: 0, client: 0 },
    },
  ];
};
