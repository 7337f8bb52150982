// The ring's registered-buffer arena: 7.3 imports a fixed pool through the buffer table at buf_index
// (io_uring_cmd_import_fixed, absolute addresses), so fixed pools are carved from one arena registered at that slot.
// Where each pool goes is spec/conn/serverTable.ts's placeFixedPool, which the model follows too.
import type { NativeProbe } from '../../native-probe/index.js';
import { encode } from '../../spec/codec/codec.js';
import { ARENA_SIZE, newServerTable, placeFixedPool, type ServerTable } from '../../spec/conn/serverTable.js';
import { registry } from '../../spec/uapi/dsl.js';
import { IORING_REGISTER_BUFFERS, IORING_REGISTER_BUFFERS_UPDATE, io_uring_rsrc_update2 } from '../../spec/uapi/io_uring.js';
import { iovecArray, Region, type Memory } from './regions.js';

const lookup = registry([io_uring_rsrc_update2]);

export class ArenaError extends Error {}

export class FixedArena {
  private arena: Region | null = null;
  private readonly table: ServerTable;

  /** `tableSlots`: a zero-copy table of that many sparse slots is already registered (ConnConfig.buffer_table). */
  constructor(private readonly p: NativeProbe, private readonly ring: number, private readonly memory: Memory, tableSlots = 0) {
    this.table = newServerTable({ buffer_table: tableSlots });
  }

  /** `len` bytes inside the buffer registered at `index`, registering the arena on first use; null: plain memory for the caller. */
  region(len: number, index: number, slotHeld = false): Region | null {
    const place = placeFixedPool(this.table, index, len, slotHeld);
    if (place.table !== null) {
      const region = this.memory.region(ARENA_SIZE);
      const r = place.table === 'register'
        // Slots below `index` stay sparse ({NULL, 0}); slot `index` is the arena.
        ? this.p.ringRegister(this.ring, IORING_REGISTER_BUFFERS, iovecArray(Array.from({ length: index + 1 }, (_, i) => (i === index ? { addr: region.addr, len: ARENA_SIZE } : { addr: 0n, len: 0 }))), index + 1)
        : this.update(index, region);
      if (r < 0) throw new ArenaError(`${place.table === 'register' ? 'IORING_REGISTER_BUFFERS' : 'IORING_REGISTER_BUFFERS_UPDATE'} of the arena at slot ${index} failed: ${r}`);
      this.arena = region;
    }
    return place.at === null ? null : new Region(this.p, this.arena!.ab, place.at, len);
  }

  /** The arena into slot `index` of the table already registered. */
  private update(index: number, region: Region): number {
    const iov = this.memory.bytes(iovecArray([{ addr: region.addr, len: ARENA_SIZE }]));
    const arg = Buffer.from(encode(io_uring_rsrc_update2, { offset: index, data: iov, tags: 0n, nr: 1 }, lookup));
    return this.p.ringRegister(this.ring, IORING_REGISTER_BUFFERS_UPDATE, arg, arg.length);
  }
}
