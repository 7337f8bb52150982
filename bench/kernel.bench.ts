// `npm run bench`: raw-C baseline and harness side by side in one run; prints rates and harness/C ratios.
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withEnableUring } from '../src/cli/kernelRun.js';
import { writeParam } from '../src/kernel/enableUring.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASELINE = `${ROOT}build/bench-baseline`;
const ROUNDS = 3;
const JOBS = [
  { job: 'cycles', n: 300, what: 'connection cycles/s (open, mount, INIT, ring, one REGISTER per queue, teardown)' },
  { job: 'requests', n: 30000, what: 'requests/s over the ring (client stat → GETATTR CQE → COMMIT_AND_FETCH)' },
] as const;

const inPrivateNs = async (cmd: string, args: string[]) =>
  Number((await execa('unshare', ['--mount', '--propagation', 'private', cmd, ...args])).stdout.trim());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const why = KernelTarget.unavailable();
  if (why) { console.log(`SKIP: kernel benchmark cannot run here: ${why}`); return; }
  mkdirSync(`${ROOT}build`, { recursive: true });
  await execa('cc', ['-O2', '-Wall', '-o', BASELINE, `${ROOT}native-probe/bench/baseline.c`]);
  await withEnableUring((s) => console.log(s), async () => {
    writeParam('Y');
    for (const { job, n, what } of JOBS) {
      const c: number[] = [], h: number[] = [];
      // Interleaved rounds, so both sides see the same machine state.
      for (let r = 0; r < ROUNDS; r++) {
        c.push(await inPrivateNs(BASELINE, [job, String(n)]));
        h.push(await inPrivateNs(process.execPath, [`${ROOT}dist/bench/harness.js`, job, String(n)]));
      }
      console.log(`${what}`);
      console.log(`  raw C:   ${median(c).toFixed(0)}  (rounds ${c.map((x) => x.toFixed(0)).join(', ')})`);
      console.log(`  harness: ${median(h).toFixed(0)}  (rounds ${h.map((x) => x.toFixed(0)).join(', ')})`);
      console.log(`ratio: ${(median(h) / median(c)).toFixed(2)}`);
    }
  });
}

await main();
