// The model's allowed outcomes per race scenario: every interleaving of the racing commands from one start.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { RaceBuild } from '../../src/race/build.js';
import { allowedOutcomes, countInterleavings, interleavings } from '../../src/race/oracle.js';
import { SCENARIOS } from '../../src/race/scenarios/index.js';
import type { RaceCmd } from '../../src/race/raceModel.js';
import type { RevisionId } from '../../spec/types.js';

const built = (id: string, rev: RevisionId, nr = 2) => {
  const cfg = baseConfig(rev, nr);
  const b = new RaceBuild({ rev: revision(rev), cfg, jitterNs: () => 0, maxJitterNs: 1000, timeScale: 1 });
  SCENARIOS.find((s) => s.id === id)!.build(b, nr);
  return { cfg, b: b.done() };
};

describe('interleavings', () => {
  it('should merge [a, b] and [c] into the 3 orders that keep a before b', () => {
    const c = (tag: string): RaceCmd => ({ kind: 'client', tag, op: 'stat', cpu: 0 });
    const orders = [...interleavings([[c('a'), c('b')], [c('c')]])].map((o) => o.map(([, x]) => (x as { tag: string }).tag).join(''));
    expect(orders).toEqual(['abc', 'acb', 'cab']);
    expect(countInterleavings([[c('a'), c('b')], [c('c')]])).toBe(3);
  });
});

describe('allowed outcomes of the race scenarios (model)', () => {
  it.for(SCENARIOS.flatMap((s) => s.revisions.map((r) => [s.id, r] as const)))('should enumerate %s on %s into at least one outcome', ([id, rev]) => {
    const { cfg, b } = built(id, rev);
    const a = allowedOutcomes(cfg, b);
    expect(a.outcomes.size).toBeGreaterThan(0);
    for (const [k, v] of a.outcomes) console.log(`${id} ${rev} (${a.orders} orders):\n  ${k.replace(/\n/g, '\n  ')}\n  via ${v.order.join(' → ')}`);
  });
});
