// One Revision object per UAPI revision: constants, layouts, rule tables, in one place.
import { ASSUMPTIONS, resolveAssumptions } from './assumptions.js';
import { ERRNO } from './errno.js';
import type { BufferPolicyId, BufferReport } from './model/buffers.js';
import { UsageError } from './errors.js';
import { constant, registry } from './uapi/dsl.js';
import { FUSE_KERNEL_CONSTANTS, FUSE_KERNEL_LAYOUTS } from './uapi/fuse_kernel.js';
import { R0_CMD_OPS, R0_CONSTANTS, R0_LAYOUTS, R4_CONSTANTS, R4_LAYOUTS, R8_CMD_OPS, R8_CONSTANTS, R8_LAYOUTS, r7Layouts } from './uapi/fuse_uring.js';
import { IO_URING_CONSTANTS, IO_URING_LAYOUTS } from './uapi/io_uring.js';
import { LINUX_CONSTANTS } from './uapi/linux.js';
import { commonR0, commonR8 } from './rules/common.js';
import { commitR0, registerR0 } from './rules/r0.js';
import { registerR4 } from './rules/r4.js';
import { registerR7, r7FlagBits } from './rules/r7.js';
import { addBufpoolR8, addQueueR8, commitR8, registerR8 } from './rules/r8.js';
import { replyR0 } from './rules/reply.js';
import { deliverR0 } from './rules/deliver.js';
import type { RuleTable } from './rules/types.js';
import { REVISIONS, type Assumption, type AssumptionValues, type Constant, type Layout, type RevisionId } from './types.js';

export type TableId = 'common' | 'register' | 'commit_and_fetch' | 'reply' | 'deliver' | 'add_queue' | 'add_bufpool';

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
  /** How the server learns which payload buffer a request uses: its id in the CQE flags (R4) or ent_in_out.buf_id (R7), its pool offset (R8). */
  readonly bufferReport: BufferReport;
  /** How its payload buffers are chosen and given back (spec/model/buffers.ts). */
  readonly bufferPolicy: BufferPolicyId;
  /**
   * The CQE res of a command whose sleep in the submitter's context a signal ended: -ERESTARTSYS leaks through io_uring
   * until 7.3.2's "io_uring: don't pass restart error codes to userspace" (io_fixup_restart_res) makes it -EINTR.
   */
  readonly interruptedRes: number;
  readonly reqHeader: string;
}

const BASE_LAYOUTS = [...IO_URING_LAYOUTS, ...FUSE_KERNEL_LAYOUTS];
const BASE_CONSTANTS = [...IO_URING_CONSTANTS, ...FUSE_KERNEL_CONSTANTS, ...R0_CONSTANTS, ...LINUX_CONSTANTS];

function make(r: Omit<Revision, 'lookup' | 'layouts' | 'constants'> & { layouts: readonly Layout[]; constants: readonly Constant[] }): Revision {
  const layouts = [...BASE_LAYOUTS, ...r.layouts];
  return { ...r, layouts, constants: [...BASE_CONSTANTS, ...r.constants], lookup: registry(layouts) };
}

export class UnknownRevisionError extends UsageError {}

export function isRevisionId(s: string): s is RevisionId {
  return (REVISIONS as readonly string[]).includes(s);
}

/** Builds a revision with assumptions resolved (defaults, or values read from a kernel header). */
export function revision(id: string, overrides: AssumptionValues = {}): Revision {
  if (!isRevisionId(id)) throw new UnknownRevisionError(`unknown revision '${id}' (known: ${REVISIONS.join(', ')})`);
  const a = resolveAssumptions(overrides);
  const own = ASSUMPTIONS.filter((x) => x.revision === id || x.id.startsWith('kernel.'));
  switch (id) {
    case 'R0':
      return make({
        id, title: 'mainline 6.14–7.2: REGISTER / COMMIT_AND_FETCH with per-entry iovecs', status: 'merged (v6.14)',
        layouts: R0_LAYOUTS, constants: [], cmdOps: R0_CMD_OPS, assumptions: own, a, cmdReq: 'fuse_uring_cmd_req', bufferReport: 'none', bufferPolicy: 'lowest_free_keep', interruptedRes: -ERRNO.ERESTARTSYS, reqHeader: 'fuse_uring_req_header',
        tables: { common: commonR0(), register: registerR0(), commit_and_fetch: commitR0(), reply: replyR0(), deliver: deliverR0() },
      });
    case 'R4':
      return make({
        id, title: 'Dec 2025 kernel-managed buffer rings v4: init.flags BUF_RING / ZERO_COPY', status: 'posted, superseded',
        layouts: R4_LAYOUTS, cmdOps: R0_CMD_OPS, assumptions: own, a, cmdReq: 'fuse_uring_cmd_req$R4', bufferReport: 'cqe_flags', bufferPolicy: 'ring_keep', interruptedRes: -ERRNO.ERESTARTSYS, reqHeader: 'fuse_uring_req_header',
        constants: R4_CONSTANTS,
        tables: { common: commonR0(), register: registerR4(), commit_and_fetch: commitR0(), reply: replyR0(), deliver: deliverR0() },
      });
    case 'R7': {
      const b = r7FlagBits(a);
      const as = (n: string, v: bigint, id2: string) => constant(n, v, { ref: 'April-2026 v2 include/uapi/linux/fuse.h', assumption: id2 });
      return make({
        id, title: 'April 2026 v2: BUFRING, PINNED_HEADERS, PINNED_BUFFERS, ZERO_COPY', status: 'posted, superseded by R8',
        layouts: r7Layouts(a), cmdOps: R0_CMD_OPS, assumptions: own, a, cmdReq: 'fuse_uring_cmd_req$R7', bufferReport: 'ent_in_out.buf_id', bufferPolicy: 'ring_recycle', interruptedRes: -ERRNO.ERESTARTSYS, reqHeader: 'fuse_uring_req_header$R7',
        constants: [
          as('FUSE_URING_BUFRING', b.BUFRING, 'r7.flag.FUSE_URING_BUFRING'),
          as('FUSE_URING_PINNED_HEADERS', b.PINNED_HEADERS, 'r7.flag.FUSE_URING_PINNED_HEADERS'),
          as('FUSE_URING_PINNED_BUFFERS', b.PINNED_BUFFERS, 'r7.flag.FUSE_URING_PINNED_BUFFERS'),
          as('FUSE_URING_ZERO_COPY', b.ZERO_COPY, 'r7.flag.FUSE_URING_ZERO_COPY'),
        ],
        tables: { common: commonR0(), register: registerR7(a), commit_and_fetch: commitR0(), reply: replyR0(), deliver: deliverR0() },
      });
    }
    case 'R8': {
      return make({
        id, title: 'mainline 7.3: ADD_QUEUE, ADD_BUFPOOL, ZERO_COPY buffer pools', status: 'merged (v7.3-rc1)',
        layouts: R8_LAYOUTS, assumptions: own, a, cmdReq: 'fuse_uring_cmd_req$R8', bufferReport: 'ent_in_out.offset', bufferPolicy: 'lowest_free_keep', interruptedRes: -ERRNO.EINTR, reqHeader: 'fuse_uring_req_header$R8',
        cmdOps: R8_CMD_OPS, constants: R8_CONSTANTS,
        tables: {
          common: commonR8(), add_queue: addQueueR8(), add_bufpool: addBufpoolR8(),
          register: registerR8(), commit_and_fetch: commitR8(), reply: replyR0(), deliver: deliverR0(),
        },
      });
    }
  }
}

export const allRevisions = (overrides: AssumptionValues = {}): Revision[] => REVISIONS.map((r) => revision(r, overrides));
