import { describe, expect, it } from 'vitest';
import { ARENA_SIZE, newServerTable, placeFixedPool } from '../../spec/conn/serverTable.js';

const POOL = 256 << 10;

describe('the server\'s buffer table (placeFixedPool)', () => {
  it('should register a table of 4 slots with the arena at slot 3 for the first pool at buf_index 3, and carve the next pool 256 KiB further', () => {
    const t = newServerTable({});
    expect(placeFixedPool(t, 3, POOL)).toEqual({ table: 'register', at: 0 });
    expect(placeFixedPool(t, 3, POOL)).toEqual({ table: null, at: POOL });
    expect(t).toEqual({ slots: 4, arena: 3, used: 2 * POOL });
  });

  it('should update slot 3 of a zero-copy table of 8 slots with the arena, and leave a pool at slot 8 (past the table) in plain memory', () => {
    expect(placeFixedPool(newServerTable({ buffer_table: 8 }), 3, POOL)).toEqual({ table: 'update', at: 0 });
    expect(placeFixedPool(newServerTable({ buffer_table: 8 }), 8, POOL)).toEqual({ table: null, at: null });
  });

  it('should not update slot 0 of a zero-copy table while a delivered request\'s pages are in it: the pool stays plain, and the arena unplaced', () => {
    const t = newServerTable({ buffer_table: 2 });
    expect(placeFixedPool(t, 0, POOL, true)).toEqual({ table: null, at: null });
    expect(t.arena).toBeNull();
  });

  it('should leave a pool at another slot than the arena\'s, or past the arena\'s 8 MiB, in plain memory', () => {
    const t = newServerTable({});
    placeFixedPool(t, 0, POOL);
    expect(placeFixedPool(t, 1, POOL)).toEqual({ table: null, at: null });
    expect(placeFixedPool(t, 0, ARENA_SIZE)).toEqual({ table: null, at: null });
    expect(placeFixedPool(t, 0, ARENA_SIZE - POOL)).toEqual({ table: null, at: POOL });
  });
});
