// What a test can do to a connection, abstractly: both the model and the kernel adapter take these.
import type { RevisionId } from '../types.js';

/** Where an address points: a mapped user buffer, NULL, unmapped user memory, or a kernel address. */
export type Addr = 'valid' | 'null' | 'unmapped' | 'kernel';

/** What the server's memory allows after a `mem` step: read-write, read-only, nothing, or no mapping at all. */
export type MemProt = 'rw' | 'read' | 'none' | 'unmapped';

export interface IovSpec {
  readonly len: number;
  readonly addr: Addr;
  /** Whether iov_base is page-aligned (pinned regions must be). */
  readonly aligned: boolean;
}

/** Reply the server writes into the header before COMMIT_AND_FETCH. */
export interface ReplySpec {
  readonly unique: 'match' | 'zero' | 'other';
  readonly error: number;
  /** ring_ent_in_out.payload_sz; 'exact' is the size the opcode's reply needs. */
  readonly payload_sz: number | 'exact';
}

/** One URING_CMD SQE, with the kernel's field names; absent fields encode as zero. */
export interface UringCmdSpec {
  readonly cmd_op: number;
  readonly qid: number;
  /** 'current': the commit_id last delivered on this qid; 'unknown': one never issued. */
  readonly commit_id?: bigint | 'current' | 'unknown';
  readonly flags?: bigint;
  /** sqe->len; REGISTER wants FUSE_URING_IOV_SEGS (2). */
  readonly sqe_len?: number;
  /** Where sqe->addr points for the iovec array. */
  readonly iov_array?: Addr;
  readonly iov?: readonly IovSpec[];
  readonly buf_index?: number;
  /** IORING_URING_CMD_FIXED in sqe->uring_cmd_flags. */
  readonly fixed?: boolean;
  /** R4 init word and R7 fields. */
  readonly queue_depth?: number;
  readonly buf_size?: number;
  readonly init_flags$R4?: number;
  /** R8 union arms. */
  readonly bufpool?: { readonly addr: Addr; readonly len: number; readonly reserved: number };
  readonly ent_zero_copy_buf_index?: number;
  /** COMMIT only: the reply to write first. */
  readonly reply?: ReplySpec;
}

/**
 * stat: stat(2) of the mount's root. open/create: open(2) of `file` (O_RDWR; create adds O_CREAT) into the client's
 * handle. read/write: `size` bytes at `offset` (default: the file position) of the open handle; written bytes follow
 * the file's pattern and read bytes are checked against it. fsync, close: of the open handle.
 */
export type ClientOp = 'stat' | 'open' | 'create' | 'read' | 'write' | 'fsync' | 'close';

export interface ClientCommand {
  readonly kind: 'client';
  readonly tag: string;
  readonly op: ClientOp;
  readonly cpu: number;
  /** Which client (0..7) runs it: each keeps its open file between steps. stat takes any idle one when absent. */
  readonly client?: number;
  readonly file?: string;
  readonly size?: number;
  readonly offset?: number;
}

export type Command =
  | { readonly kind: 'uring_cmd'; readonly tag: string; readonly sqe: UringCmdSpec }
  | ClientCommand
  /** Answer every delivered request as the filesystem says (spec/fs/fs.ts) until none waits: COMMITs tagged `<tag>.<n>`. */
  | { readonly kind: 'serve'; readonly tag: string }
  /** Change the server's memory: an entry's header or payload (named by its REGISTER tag), or a queue's pool. */
  | { readonly kind: 'mem'; readonly region: 'header' | 'payload' | 'pool'; readonly entry?: string; readonly qid?: number; readonly prot: MemProt; readonly part: 'all' | 'tail' }
  | { readonly kind: 'dev_reply'; readonly error: number }
  | { readonly kind: 'abort' }
  | { readonly kind: 'umount' }
  | { readonly kind: 'ring_exit' }
  /** The server closes its io_uring and /dev/fuse fds (as when it dies). */
  | { readonly kind: 'server_exit' };

/** What the harness's server answers FUSE_INIT with besides the case's flags, max_write and max_pages. */
export const SERVER_INIT = { max_background: 16, congestion_threshold: 12, time_gran: 1 } as const;

/** How a connection is prepared before the commands run. */
export interface ConnConfig {
  readonly revision: RevisionId;
  readonly sqe128: boolean;
  readonly enable_uring: boolean;
  readonly mount: boolean;
  /** FUSE_DEV_IOC_SYNC_INIT on /dev/fuse before anything else (6.18+): the device then waits to be mounted. */
  readonly sync_init?: boolean;
  /** The server's FUSE_INIT answer, or null to leave INIT unanswered. */
  readonly init: null | {
    readonly flags: bigint;
    readonly max_write: number;
    readonly max_pages: number;
    /** fuse_init_out.max_background (SERVER_INIT's when absent): how many background requests the kernel keeps in flight. */
    readonly max_background?: number;
  };
  readonly caps: { readonly CAP_SYS_ADMIN: boolean; readonly CAP_IPC_LOCK: boolean };
  readonly memlock_limit: number;
  /** num_possible_cpus() of the machine under test. */
  readonly nr_cpus: number;
  /**
   * R4: io_uring-side set-up before REGISTER (kernel-managed ring at bgid 0 and its number of buffers, the server's choice
   * (002:43 "The server registers a kernel-managed buffer ring"); fixed buffers).
   */
  readonly ring_setup?: { readonly kmbuf_bgid0: boolean; readonly kmbuf_nbufs: number; readonly fixed_buffers: number };
  /**
   * Slots of the server's io_uring buffer table, registered sparse before any REGISTER (0 or absent: no table). 7.3
   * zero-copy installs a request's pages at its entry's ent_zero_copy_buf_index there, and the server moves them with
   * READ_FIXED / WRITE_FIXED.
   */
  readonly buffer_table?: number;
  /** fuse_open_out.open_flags the server answers OPEN/CREATE with; FOPEN_DIRECT_IO when absent. */
  readonly open_flags?: number;
}

/** A request the kernel delivered to a ring entry, as the server found it in the header (and payload). */
export interface DeliveredReq {
  readonly opcode: number;
  readonly unique: bigint;
  readonly commit_id: bigint;
  /** ent_in_out.payload_sz: the bytes the kernel copied to the payload (not op_in, not in_out). */
  readonly payload_sz: number;
  readonly nodeid?: bigint;
  /** What it asks: "size@offset" for READ/WRITE, the name for LOOKUP/CREATE (spec/fs/fs.ts argOf). */
  readonly arg?: string;
  /** ent_in_out.flags, when not 0 (FUSE_URING_ENT_ZERO_COPY). */
  readonly flags?: bigint;
  /** ent_in_out.offset on a pool queue: where in the pool the payload is. */
  readonly offset?: number;
  /** R7: ent_in_out.buf_id, the ring buffer the payload is in. */
  readonly buf_id?: number;
  /** WRITE: whether the payload carried the bytes the client wrote ("ok", "mismatch@N"). */
  readonly data?: string;
}

/** Something a target saw happen: a CQE, a client's syscall returning, a request on /dev/fuse. */
export type Event =
  | {
      readonly kind: 'cqe';
      readonly tag: string;
      readonly res: number;
      readonly req?: DeliveredReq;
      /** R4: the ring buffer id the CQE flags carry (IORING_CQE_F_BUFFER, id << IORING_CQE_BUFFER_SHIFT). */
      readonly buf_id?: number;
    }
  /** A client op returned: its result (bytes, 0, or -errno) and, for a read, whether the bytes were the file's. */
  | { readonly kind: 'client_done'; readonly tag: string; readonly res: number; readonly data?: string }
  /** The named client was still inside its previous op: the step did not run. */
  | { readonly kind: 'client_busy'; readonly tag: string }
  /** The command's submission slept in the kernel (wchan: where, when a kernel says) until a signal ended the sleep. */
  | { readonly kind: 'blocked'; readonly tag: string; readonly wchan?: string }
  | { readonly kind: 'dev_request'; readonly opcode: number; readonly unique: bigint };
