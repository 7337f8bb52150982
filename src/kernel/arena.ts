// The ring's registered-buffer arena: 7.3 imports a fixed pool through the buffer table at buf_index
// (io_uring_cmd_import_fixed, absolute addresses), so fixed pools are carved from one arena registered at that slot.
import type { NativeProbe } from '../../native-probe/index.js';
import { IORING_REGISTER_BUFFERS } from '../../spec/uapi/io_uring.js';
import { iovecArray, Region, type Memory } from './regions.js';

/** Room for 32 queues of the 256 KiB pools the scenarios use. */
const SIZE = 8 << 20;

export class ArenaError extends Error {}

export class FixedArena {
  private arena: { region: Region; index: number; used: number } | null = null;

  /** `tableTaken`: the ring's buffer table is already registered (zero-copy's sparse one), so no arena can be. */
  constructor(private readonly p: NativeProbe, private readonly ring: number, private readonly memory: Memory, private readonly tableTaken = false) {}

  /**
   * `len` bytes inside the buffer registered at `index`, registering the arena on first use.
   * The table can be registered once per ring: another index (or a full arena) gets null, and the caller plain memory.
   */
  region(len: number, index: number): Region | null {
    if (!this.arena && this.tableTaken) return null;
    if (!this.arena) {
      const region = this.memory.region(SIZE);
      // Slots below `index` stay sparse ({NULL, 0}); slot `index` is the arena.
      const iovs = iovecArray(Array.from({ length: index + 1 }, (_, i) => (i === index ? { addr: region.addr, len: SIZE } : { addr: 0n, len: 0 })));
      const r = this.p.ringRegister(this.ring, IORING_REGISTER_BUFFERS, iovs, index + 1);
      if (r < 0) throw new ArenaError(`IORING_REGISTER_BUFFERS failed: ${r}`);
      this.arena = { region, index, used: 0 };
    }
    const a = this.arena;
    if (index !== a.index || a.used + len > SIZE) return null;
    const at = a.used;
    a.used += Math.ceil(len / 4096) * 4096;
    return new Region(this.p, a.region.ab, at, len);
  }
}
