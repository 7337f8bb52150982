// This kernel against its recorded report (fixtures/kernels/<release>.json, else a build of the same version): no behaviour difference beyond the volatile baseline.
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/conformance/suite.js';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { diffReports, loadBaseline, loadReport } from '../../src/report/diff.js';
import { kernelVersion, recordedReport } from '../../src/report/recorded.js';
import { makeReport } from '../../src/report/report.js';
import { REVISIONS } from '../../spec/types.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const kernel = tTargets().find((t) => t.name === 'kernel');
const fixture = recordedReport(new URL('../../fixtures/kernels/', import.meta.url).pathname, release());
const baseline = new URL('../../fixtures/kernels/volatile.baseline.json', import.meta.url).pathname;
const shown = fixture ? `fixtures/kernels/${fixture.split('/').at(-1)}` : `fixtures/kernels/${release()}.json`;

describe.skipIf(!kernel)('recorded kernel report (kernel)', () => {
  it(`should match ${shown} case by case`, async (ctx) => {
    const k = (await tReady(ctx, kernel!)) as KernelTarget;
    if (!fixture) ctx.skip(`no fixture for ${release()} nor for another build of ${kernelVersion(release())}: record one with npx furc run --target kernel --format json --out fixtures/kernels/${release()}.json`);
    const fresh = makeReport('kernel', await runSuite(k, REVISIONS, NR_CPUS), await k.fingerprint());
    const diffs = diffReports(loadReport(fixture!), fresh, loadBaseline(baseline)).filter((d) => d.status === 'unexpected');
    expect(diffs, diffs.map((d) => `${d.id}: ${d.a} → ${d.b}`).join('\n')).toEqual([]);
  });
});
