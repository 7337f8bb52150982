// The regression corpus: every fixtures/regressions file replays on the model as recorded, and on the kernel like the model.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEntry } from '../fuzz/corpus.js';
import { runCase } from '../fuzz/runCase.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { NR_CPUS, tReady, tTargets } from './__helpers__/tTargets.js';

const dir = new URL('../fixtures/regressions/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const model = () => new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });

describe.each(tTargets().map((t) => [t.name, t] as const))('regression corpus (%s)', (_n, tt) => {
  it('should hold at least the six curated cases', () => expect(files.length).toBeGreaterThanOrEqual(6));

  it.for(files)('should replay %s to its last step without a difference', async (file, ctx) => {
    const e = loadEntry(`${dir}${file}`);
    const target = await tReady(ctx, tt, e.case.config.revision);
    const o = await runCase(model(), target, e.case);
    const at = o.mismatchAt;
    const detail = at === null ? o.problem ?? '' : `step ${at + 1} ${o.steps[at]!.step}\n  model:  ${o.steps[at]!.expected.join('; ')}\n  ${tt.name}: ${o.steps[at]!.observed.join('; ')}\n  replay: npx furc replay fixtures/regressions/${file}`;
    if (e.xfail && (at !== null || o.problem)) return ctx.skip(`XFAIL(${e.xfail.rule}, ${e.xfail.link})`);
    expect(at, detail).toBeNull();
    expect(o.problem, detail).toBeNull();
    expect(o.steps.length).toBe(e.mustReach);
    // The model still expects what it expected when the file was recorded.
    expect(o.steps.map((s) => s.expected)).toEqual(e.steps.map((s) => s.expected));
  });
});
