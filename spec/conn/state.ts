// A connection's state as rules and model see it: connection, ring, queues, entries (FRRS_*), requests in flight.
import type { AssumptionValues, RevisionId } from '../types.js';
import type { Record as Rec } from '../codec/codec.js';
import type { ConnConfig, MemProt } from './commands.js';
import type { ServerReply } from './serverReply.js';
import type { ServerTable } from './serverTable.js';

/** enum fuse_ring_req_state (fs/fuse/dev_uring_i.h). */
export const FRRS = {
  FRRS_INVALID: 0, FRRS_COMMIT: 1, FRRS_AVAILABLE: 2, FRRS_FUSE_REQ: 3,
  FRRS_USERSPACE: 4, FRRS_TEARDOWN: 5, FRRS_RELEASED: 6,
} as const;
export type Frrs = keyof typeof FRRS;

/** What the server's memory allows, for the first page of a region and for the rest (a `mem` step's effect). */
export interface Mem { head: MemProt; tail: MemProt }

/**
 * Where the harness puts an entry's memory (src/kernel/regions.ts): the 288-byte header straddles a page boundary so
 * its first HEADER_HEAD bytes (in_out and the start of op_in) can fault apart from the rest (ring_ent_in_out); a payload
 * starts a page, so only its bytes past the first page are in its tail.
 */
export const HEADER_HEAD = 144;

export const memOf = (addr: 'valid' | 'null' | 'unmapped' | 'kernel'): Mem =>
  addr === 'valid' ? { head: 'rw', tail: 'rw' } : { head: 'unmapped', tail: 'unmapped' };
export const readable = (p: MemProt): boolean => p === 'rw' || p === 'read';

export interface Entry {
  readonly id: number;
  /** The tag of the REGISTER that made it: what a `mem` step names. */
  readonly regTag: string;
  readonly hdr: Mem;
  readonly pay: Mem;
  /** user_data of the SQE the entry currently holds (REGISTER, then each COMMIT_AND_FETCH). */
  tag: string;
  state: Frrs;
  unique: bigint | null;
  /** The server's view: the request its last CQE from this entry carried, until a COMMIT names it (what `serve` answers). */
  serverHolds: bigint | null;
  readonly payload_len: number;
  readonly payload_addr: 'valid' | 'null' | 'unmapped' | 'kernel';
  readonly buf_index: number;
  /** R8: ent_zero_copy_buf_index, the slot of the server's buffer table where a zero-copied request's pages go. */
  readonly zero_copy_index: number;
  /** R8: the slot this entry's delivered request occupies (io_buffer_register_bvec) until it ends (io_buffer_unregister). */
  zcSlot: number | null;
  /** Selected payload buffer (R4/R7 bufring, R8 pool), kept across payload-carrying requests. */
  buf_id: number | null;
  /** When the entry last became available: ent_avail_queue is a stack (list_move to the head, first taken). */
  availSeq: number;
}

export interface Request {
  readonly unique: bigint;
  readonly opcode: number;
  /** The client whose op sent it, or null for a background request no task waits for (RELEASE). */
  readonly client: number | null;
  readonly qid: number;
  readonly nodeid: bigint;
  /** in_args[0] and the payload, as the server's filesystem reads them. */
  readonly opIn: Rec | null;
  readonly payload: Uint8Array;
  /** Payload bytes the request carries to the server (payload_sz at delivery). */
  readonly payload_in: number;
  /** Reply payload size the opcode expects, and whether a shorter one is allowed. */
  readonly reply_size: number;
  readonly reply_argvar: boolean;
  /** Page-backed args (READ/WRITE): what can_zero_copy_req() looks at. */
  readonly pages: boolean;
  /** args->zero_copy: the file was opened FOPEN_IO_URING_ZERO_COPY (7.3 fuse_read_args_fill / fuse_write_args_fill). */
  readonly zero_copy: boolean;
  readonly force: boolean;
  readonly background: boolean;
  where: 'dev' | 'queued' | 'ring' | 'done';
  /**
   * The reply the server wrote into the holding entry when a COMMIT first named the request (the filesystem has applied
   * it then); the server writes nothing for a later COMMIT, so that one reads these bytes whatever its own reply says.
   */
  answer: ServerReply | null;
}

/** Per-queue mode: R0 plain; R4/R7 init flags; R8 zero-copy and pool. */
export interface QueueMode {
  bufring: boolean;
  pinned_headers: boolean;
  pinned_buffers: boolean;
  zero_copy: boolean;
  queue_depth: number;
  buf_size: number;
  nr_bufs: number;
  /** R8: pool set up by ADD_BUFPOOL, or per-entry payload iovecs; null until one is chosen. */
  payload: null | 'pool' | 'per_entry';
  registered_index: number | null;
  /** Whether the server's buffer table holds the registered pool at registered_index (spec/conn/serverTable.ts). */
  registered_backed: boolean;
}

export interface Queue {
  readonly qid: number;
  stopped: boolean;
  readonly mode: QueueMode;
  readonly entries: Entry[];
  /** fuse_req_queue: requests waiting for an available entry. */
  readonly pending: bigint[];
  /** fuse_req_bg_queue: background requests not yet let through by fuse_uring_flush_bg(). */
  readonly bgQueue: bigint[];
  /** queue->active_background. */
  activeBg: number;
  /** The pool's memory (ADD_BUFPOOL without a registered buffer): a `mem` step can fault it. */
  readonly poolMem: Mem;
  readonly busyBufs: Set<number>;
  /** The server's view: the last request a CQE of this queue handed it (what a COMMIT naming 'current' names). */
  lastDelivered?: bigint;
}

export interface Ring {
  readonly nr_queues: number;
  readonly max_payload_sz: number;
  readonly queues: Map<number, Queue>;
  ready: boolean;
}

export interface ConnState {
  readonly rev: RevisionId;
  readonly cfg: ConnConfig;
  readonly a: AssumptionValues;
  devBound: boolean;
  initialized: boolean;
  connected: boolean;
  aborted: boolean;
  abort_err: boolean;
  /** fc->io_uring: set at INIT when FUSE_OVER_IO_URING is negotiated, cleared by a failed REGISTER. */
  io_uring: boolean;
  negotiated: boolean;
  max_write: number;
  max_pages: number;
  ring: Ring | null;
  ringExited: boolean;
  readonly requests: Map<bigint, Request>;
  nextUnique: bigint;
  nextEntryId: number;
  availClock: number;
  memlock_used: number;
  /** fc->active_background over all queues, and fc->max_background (the server's INIT answer). */
  activeBg: number;
  readonly maxBackground: number;
  /** The server's io_uring buffer table: a zero-copy table's slots and where the registered-pool arena went. */
  readonly serverTable: ServerTable;
  /** Held SQEs by tag, so teardown can complete each exactly once. */
  readonly held: Map<string, Entry>;
}

export function emptyMode(): QueueMode {
  return {
    bufring: false, pinned_headers: false, pinned_buffers: false, zero_copy: false,
    queue_depth: 0, buf_size: 0, nr_bufs: 0, payload: null, registered_index: null, registered_backed: false,
  };
}
