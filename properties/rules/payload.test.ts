// max_payload_sz per INIT answer, checked against a hand-worked table and at the REGISTER boundary through Target.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { URING_INIT_FLAGS } from '../../spec/rules/scenario.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import { errnoName } from '../../spec/errno.js';
import { runScenario } from '../../src/target/runScenario.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const rows = readFileSync(new URL('../../fixtures/golden/max_payload_sz.txt', import.meta.url), 'utf8')
  .split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)
  .map((l) => {
    const [flag, w, p, want] = l.split(/\s+/);
    const flags = flag === 'yes' ? URING_INIT_FLAGS : URING_INIT_FLAGS & ~FUSE_INIT_FLAG.FUSE_MAX_PAGES;
    return [`${flag === 'yes' ? 'with' : 'without'} FUSE_MAX_PAGES, max_write ${w}, max_pages ${p}`, Number(want), { flags, max_write: Number(w), max_pages: Number(p) }] as const;
  });

describe('max_payload_sz', () => {
  it.each(rows)('should be the hand-worked value %s → %d', (_t, want, init) => {
    expect(maxPayloadSz(init, revision('R0').a)).toBe(want);
  });
});

describe.each(tTargets().map((t) => [t.name, t] as const))('REGISTER payload boundary (%s)', (_n, tt) => {
  it.for(rows)('should hold a payload iovec of exactly the golden size and refuse one byte less (%s: %d)', async ([, want, init], ctx) => {
    const target = await tReady(ctx, tt, 'R0');
    const config = { ...baseConfig('R0', NR_CPUS), init };
    const reg = (len: number) => registerSqe(0, len);
    const at = await runScenario(target, { config, prior: [], probe: reg(want) });
    const below = await runScenario(target, { config, prior: [], probe: reg(want - 1) });
    expect(at.outcome.kind).toBe('held');
    expect(below.outcome.kind === 'cqe' ? errnoName(below.outcome.res) : 'held').toBe('-EINVAL');
  });
});
