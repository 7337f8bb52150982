// This kernel against its recorded report (fixtures/kernels/<release>.json): no difference beyond the volatile baseline.
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/conformance/suite.js';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { diffReports, loadBaseline, loadReport } from '../../src/report/diff.js';
import { makeReport } from '../../src/report/report.js';
import { REVISIONS } from '../../spec/types.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const kernel = tTargets().find((t) => t.name === 'kernel');
const fixture = new URL(`../../fixtures/kernels/${release()}.json`, import.meta.url).pathname;
const baseline = new URL('../../fixtures/kernels/volatile.baseline.json', import.meta.url).pathname;

describe.skipIf(!kernel)('recorded kernel report (kernel)', () => {
  it(`should match fixtures/kernels/${release()}.json case by case`, async (ctx) => {
    const k = (await tReady(ctx, kernel!)) as KernelTarget;
    if (!existsSync(fixture)) ctx.skip(`no fixture for ${release()}: record one with npx furc run --target kernel --format json --out fixtures/kernels/${release()}.json`);
    const fresh = makeReport('kernel', await runSuite(k, REVISIONS, NR_CPUS), await k.fingerprint());
    const diffs = diffReports(loadReport(fixture), fresh, loadBaseline(baseline)).filter((d) => !d.expected);
    expect(diffs, diffs.map((d) => `${d.id}: ${d.a} → ${d.b}`).join('\n')).toEqual([]);
  });
});
