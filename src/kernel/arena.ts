// The ring's registered-buffer arena: 7.3 imports a fixed pool through the buffer table at buf_index
// (io_uring_cmd_import_fixed, absolute addresses), so fixed pools are carved from one arena registered at that slot.
import type { NativeProbe } from '../../native-probe/index.js';

const IORING_REGISTER_BUFFERS = 0;
/** Room for 32 queues of the 256 KiB pools the scenarios use. */
const SIZE = 8 << 20;

export class ArenaError extends Error {}

export class FixedArena {
  private arena: { ab: ArrayBuffer; index: number; used: number } | null = null;

  constructor(private readonly p: NativeProbe, private readonly ring: number, private readonly keep: ArrayBuffer[]) {}

  /**
   * `len` bytes inside the buffer registered at `index`, registering the arena on first use.
   * The table can be registered once per ring: another index (or a full arena) gets null, and the caller plain memory.
   */
  region(len: number, index: number): { addr: bigint; view: Uint8Array } | null {
    if (!this.arena) {
      const ab = this.p.alloc(SIZE);
      if (typeof ab === 'number') throw new ArenaError(`alloc fixed-buffer arena failed: ${ab}`);
      this.keep.push(ab);
      // Slots below `index` stay sparse ({NULL, 0}); slot `index` is the arena.
      const iovs = Buffer.alloc(16 * (index + 1));
      iovs.writeBigUInt64LE(this.p.addressOf(ab), 16 * index);
      iovs.writeBigUInt64LE(BigInt(SIZE), 16 * index + 8);
      const r = this.p.ringRegister(this.ring, IORING_REGISTER_BUFFERS, iovs, index + 1);
      if (r < 0) throw new ArenaError(`IORING_REGISTER_BUFFERS failed: ${r}`);
      this.arena = { ab, index, used: 0 };
    }
    const a = this.arena;
    if (index !== a.index || a.used + len > SIZE) return null;
    const at = a.used;
    a.used += Math.ceil(len / 4096) * 4096;
    return { addr: this.p.addressOf(a.ab) + BigInt(at), view: new Uint8Array(a.ab, at, len) };
  }
}
