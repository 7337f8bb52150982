// A case that blocks or loses its worker costs no other case anything: later cases get what a clean run gets.
import { afterAll, describe, expect, it } from 'vitest';
import { ERRNO } from '../../spec/errno.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { runSuite } from '../../src/conformance/suite.js';
import type { CaseResult } from '../../src/conformance/verdict.js';
import { KernelTarget } from '../../src/kernel/kernelTarget.js';
import { TimeoutError } from '../../src/target/errors.js';
import type { Session, Target } from '../../src/target/target.js';
import { NR_CPUS } from '../__helpers__/tTargets.js';

const why = KernelTarget.unavailable();
const summary = (r: CaseResult) => `${r.family} ${r.rule}: ${r.verdict.kind} ${r.observed ?? ''}`;

/** A kernel target whose worker is SIGKILLed while the `killAt`-th case's first step waits for its reply. */
function killingAt(k: KernelTarget, killAt: number): Target {
  let opened = 0;
  return {
    name: k.name, info: () => k.info(), unsupported: (r) => k.unsupported(r), mark: (l) => k.mark(l),
    open: async (cfg) => {
      const s = await k.open(cfg);
      if (++opened !== killAt) return s;
      let first = true;
      const run: Session['run'] = async (cmd) => {
        const pending = s.run(cmd);
        if (first) { first = false; process.kill(k.workerPid!, 'SIGKILL'); }
        return pending;
      };
      return { run, close: () => s.close() };
    },
  };
}

/**
 * The `at`-th case instead opens, leaving sleeps alone, an unmounted FUSE_DEV_IOC_SYNC_INIT device on a fresh worker (so no earlier ring's
 * task work can end the sleep) and its first step is a REGISTER, which sleeps in fuse_get_dev.
 */
function asleepAt(k: KernelTarget, at: number): Target {
  let opened = 0;
  return {
    name: k.name, info: () => k.info(), unsupported: (r) => k.unsupported(r), mark: (l) => k.mark(l),
    open: async (cfg) => {
      if (++opened !== at) return k.open(cfg);
      await k.restartWorker();
      const s = await k.open({ ...cfg, mount: false, sync_init: true }, false);
      return { run: () => s.run({ kind: 'uring_cmd', tag: 'asleep', sqe: registerSqe(0, 131072) }), close: () => s.close() };
    },
  };
}

describe.skipIf(why !== null)('a dead or blocked worker (kernel)', () => {
  const targets: KernelTarget[] = [];
  const target = (o?: ConstructorParameters<typeof KernelTarget>[0]) => { const k = new KernelTarget(o); targets.push(k); return k; };
  afterAll(() => targets.forEach((k) => k.dispose()));

  it('should give every case after a worker killed mid-step (case 5 of R0) the result of a clean run, and that case ERROR', async () => {
    const clean = await runSuite(target(), ['R0'], NR_CPUS);
    const hit = await runSuite(killingAt(target(), 5), ['R0'], NR_CPUS);
    expect(hit.length).toBe(clean.length);
    // The 5th case that opens a connection is the 5th result (the R0 register family comes first and none SKIPs).
    expect(hit[4]!.verdict.kind).toBe('ERROR');
    expect(hit[4]!.verdict.kind === 'ERROR' && hit[4]!.verdict.detail).toMatch(/kernel worker \(pid \d+\) exited/);
    expect(hit.slice(5).map(summary)).toEqual(clean.slice(5).map(summary));
    expect(clean.slice(5).every((r) => r.verdict.kind === 'PASS' || r.verdict.kind === 'SKIP')).toBe(true);
  });

  it('should give every case after a TIMEOUT (case 5 of R0 made to sleep in fuse_get_dev until a 3000 ms deadline) the result of a clean run', async () => {
    const clean = await runSuite(target(), ['R0'], NR_CPUS);
    const hit = await runSuite(asleepAt(target({ stepDeadlineMs: 3000 }), 5), ['R0'], NR_CPUS);
    expect(hit[4]!.verdict.kind).toBe('TIMEOUT');
    expect(hit.filter((_, i) => i !== 4).map(summary)).toEqual(clean.filter((_, i) => i !== 4).map(summary));
  });

  it('should end a submission asleep in fuse_get_dev (FUSE_DEV_IOC_SYNC_INIT, no mount) at a 1500 ms deadline as TIMEOUT with its kernel stack', async () => {
    const k = target({ stepDeadlineMs: 1500, interruptBlocked: false });
    const cfg = { ...baseConfig('R0', NR_CPUS), mount: false, sync_init: true };
    const s = await k.open(cfg);
    const t0 = Date.now();
    const err = await s.run({ kind: 'uring_cmd', tag: 'r', sqe: registerSqe(0, 131072) }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(err!.message).toMatch(/state S wchan fuse_get_dev/);
    expect(err!.message).toMatch(/fuse_uring_cmd\+0x/);
    expect(err!.message).toMatch(/worker killed/);
    // The next connection, on a fresh worker, behaves as on any other: a well-formed REGISTER is held.
    const s2 = await k.open(baseConfig('R0', NR_CPUS));
    expect(await s2.run({ kind: 'uring_cmd', tag: 'r2', sqe: registerSqe(0, 131072) })).toEqual([]);
    await s2.close();
  });

  it('should observe the same sleep, interrupted by the harness, as "blocked" then the wait\'s -ERESTARTSYS in the CQE', async () => {
    const k = target();
    const s = await k.open({ ...baseConfig('R0', NR_CPUS), mount: false, sync_init: true });
    try {
      const ev = await s.run({ kind: 'uring_cmd', tag: 'r', sqe: registerSqe(0, 131072) });
      expect(ev).toEqual([{ kind: 'blocked', tag: 'r', wchan: expect.stringMatching(/^fuse_get_dev/) }, { kind: 'cqe', tag: 'r', res: -ERRNO.ERESTARTSYS }]);
    } finally { await s.close(); }
  });
});
