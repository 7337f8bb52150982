// Under furc vm (FURC_KMSG_MARKERS=1) each case writes its name to the kernel log before it opens its connection.
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { NR_CPUS } from '../__helpers__/tTargets.js';

describe('case markers in the kernel log (kernel)', () => {
  const why = KernelTarget.unavailable();
  process.env.FURC_KMSG_MARKERS = '1';
  const k = why ? null : new KernelTarget();
  afterAll(() => { k?.dispose(); delete process.env.FURC_KMSG_MARKERS; });

  it('should put "furc: case <label>" in dmesg before the case connection is mounted (kernel)', async (ctx) => {
    if (!k) return ctx.skip(`kernel: ${why}`);
    const label = `R0 marker.check.${process.pid}.${Date.now()} [marks]`;
    k.mark(label);
    const s = await k.open(baseConfig('R0', NR_CPUS));
    await s.close();
    const { stdout } = await execa('dmesg');
    expect(stdout).toContain(`furc: case ${label}`);
  });
});
