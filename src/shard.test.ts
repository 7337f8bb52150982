// Shards: every item and seed belongs to exactly one shard, whatever N is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, shardItems, shardSeeds } from './shard.js';

describe('shards', () => {
  it('should split 7 builds into 3 shards of 3, 2 and 2, in list order', () => {
    const builds = ['6.16.3', '6.17.13', '6.18.5', '6.19.6', '7.0.4', '7.1.3', '7.3.4'];
    expect([1, 2, 3].map((i) => shardItems(builds, { index: i, count: 3 }))).toEqual([
      ['6.16.3', '6.19.6', '7.3.4'], ['6.17.13', '7.0.4'], ['6.18.5', '7.1.3']]);
  });

  it('should give every item to exactly one shard for any list and any N up to 40', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer(), { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (items, n) => {
      const parts = Array.from({ length: n }, (_, i) => shardItems(items, { index: i + 1, count: n }));
      expect(parts.flat().sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
      expect(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length))).toBeLessThanOrEqual(1);
    }));
  });

  it('should derive seeds 101, 105, 109 for shard 2/4 from base 100, and 100, 101, 102 unsharded', () => {
    expect(shardSeeds(100, { index: 2, count: 4 }, 3)).toEqual([101, 105, 109]);
    expect(shardSeeds(100, { index: 1, count: 1 }, 3)).toEqual([100, 101, 102]);
  });

  it('should never hand one seed to two shards of the same N', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 8 }), (base, n, k) => {
      const all = Array.from({ length: n }, (_, i) => shardSeeds(base, { index: i + 1, count: n }, k)).flat();
      expect(new Set(all).size).toBe(all.length);
    }));
  });

  it('should read "2/4" as shard 2 of 4 and refuse 0/4, 5/4, 2/0 and "2of4" with one line each', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '2/0', '2of4']) expect(() => parseShard(bad)).toThrow(`--shard ${bad}: want i/N`);
  });
});
