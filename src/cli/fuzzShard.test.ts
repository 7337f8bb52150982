// furc fuzz --shard: shard i of N fuzzes seed S+i-1, so shards never repeat each other; without --seed there is no shared base.
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err };
}

describe('furc fuzz --shard', () => {
  it('should fuzz the model with seed 101 as shard 2/4 of base seed 100', async () => {
    const r = await run('fuzz', '--target', 'model', '--seed', '100', '--shard', '2/4', '--runs', '2', '--time', '30');
    expect(r.out).toMatch(/^fuzz model R0: seed 101, 2 cases/);
  });

  it('should refuse --shard 2/4 without --seed with one line and exit 2', async () => {
    const r = await run('fuzz', '--target', 'model', '--shard', '2/4');
    expect([r.code, r.err]).toEqual([2, ['furc: --shard needs --seed: every shard derives its seed from the same base']]);
  });
});
