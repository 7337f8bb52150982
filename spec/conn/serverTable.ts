// The harness server's io_uring buffer table, as data both sides share: the kernel target registers what placeFixedPool
// says, the model asks it whether the kernel will find a registered pool at its buf_index, and C reproducers repeat it.
import type { ConnConfig } from './commands.js';

/** One buffer (the arena) holds every registered pool, carved page by page: room for 32 pools of 256 KiB. */
export const ARENA_SIZE = 8 << 20;
const PAGE = 4096;

export interface ServerTable {
  /** Slots registered: a zero-copy table's from the start (ConnConfig.buffer_table), else the arena's index + 1 once placed. */
  slots: number;
  /** The slot holding the arena, once placed. */
  arena: number | null;
  /** Arena bytes handed out so far. */
  used: number;
}

export const newServerTable = (cfg: Pick<ConnConfig, 'buffer_table'>): ServerTable => ({ slots: cfg.buffer_table ?? 0, arena: null, used: 0 });

/** What the server does for a registered pool: first to its table (nothing, or the arena registered or updated in), then where the pool goes. */
export interface Placement {
  /**
   * 'register': no table yet: one of index + 1 slots, sparse below the arena at `index` (IORING_REGISTER_BUFFERS);
   * 'update': a zero-copy table is there and `index` inside it: the arena goes into that slot (IORING_REGISTER_BUFFERS_UPDATE).
   */
  readonly table: 'register' | 'update' | null;
  /** The pool's offset in the arena; null: another slot, past the table, or a full arena: plain memory the kernel will not find at `index`. */
  readonly at: number | null;
}

/**
 * Where a registered pool of `len` bytes at slot `index` goes; the table changes accordingly. `slotHeld`: a delivered
 * zero-copied request's pages are in that slot now; the server does not replace them (an update would), so plain memory.
 */
export function placeFixedPool(t: ServerTable, index: number, len: number, slotHeld = false): Placement {
  let table: Placement['table'] = null;
  if (t.arena === null) {
    if (t.slots === 0) { table = 'register'; t.slots = index + 1; } else if (index < t.slots && !slotHeld) table = 'update'; else return { table, at: null };
    t.arena = index;
  }
  if (index !== t.arena || t.used + len > ARENA_SIZE) return { table, at: null };
  const at = t.used;
  t.used += Math.ceil(len / PAGE) * PAGE;
  return { table, at };
}
