// The shard as the unit of work: which items and seeds shard i of N owns, the same on every machine that is handed i.
import { UsageError } from '../spec/errors.js';

/** Shard `index` (1-based, as `--shard 2/4` reads) of `count`. */
export interface Shard { readonly index: number; readonly count: number }

export const UNSHARDED: Shard = { index: 1, count: 1 };

/** GitHub Actions allows 256 matrix jobs per run; a Kubernetes Indexed Job far more, but nothing here needs them. */
const MAX_SHARDS = 10_000;

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) throw new UsageError(`--shard ${s}: want i/N with 1 <= i <= N <= ${MAX_SHARDS} (e.g. 2/4)`);
  return { index, count };
}

export const showShard = (s: Shard) => `${s.index}/${s.count}`;

/** Round-robin over the list's own order: item k belongs to shard (k mod N) + 1, so shard sizes differ by at most one. */
export function shardItems<T>(items: readonly T[], s: Shard): T[] {
  return items.filter((_, k) => k % s.count === s.index - 1);
}

/** The k-th seed of shard i of N from base S is S + (i-1) + k·N: disjoint across shards, and shard 1/1 gets S, S+1, … */
export function shardSeeds(base: number, s: Shard, n: number): number[] {
  return Array.from({ length: n }, (_, k) => base + (s.index - 1) + k * s.count);
}
