// furc race --jobs: workers side by side on one kernel, each connection aborted only through its own fusectl file.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { ROOT } from '../../src/paths.js';

const why = KernelTarget.unavailable();

describe('furc race --jobs 2 (kernel)', () => {
  it('should run 24 iterations of the register-vs teardown races on 2 workers, both working, with 0 findings and nothing left behind', async (ctx) => {
    if (why) return ctx.skip(why);
    // Aborts and teardowns in one worker while the other mounts: a fusectl id reused at once must not carry an abort across.
    const r = await execa(process.execPath, [`${ROOT}dist/src/cli/furc.js`, 'race', '--target', 'kernel', '--jobs', '2', '--seed', '7',
      '--scenario', 'register-vs-abort,register-vs-umount,register-vs-server-exit', '--iterations', '24', '--json'], { reject: false, timeout: 180_000 });
    const s = JSON.parse(r.stdout) as { jobs: number; iterationsByJob: number[]; iterations: number; findings: unknown[]; errors: string[]; leftovers: { mounts: unknown[]; connections: unknown[]; processes: unknown[]; mountDirs: unknown[]; enableUring: { before: string; after: string } } };
    expect(s.findings, r.stdout).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(s.jobs).toBe(2);
    expect(s.iterations).toBe(24);
    expect(s.iterationsByJob.reduce((a, b) => a + b, 0)).toBe(24);
    expect(Math.min(...s.iterationsByJob)).toBeGreaterThan(0);
    expect([s.leftovers.mounts, s.leftovers.connections, s.leftovers.processes, s.leftovers.mountDirs]).toEqual([[], [], [], []]);
    expect(s.leftovers.enableUring.after).toBe(s.leftovers.enableUring.before);
  });
});
