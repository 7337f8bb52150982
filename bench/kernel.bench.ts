// `npm run bench`: raw-C baseline and harness side by side in one run; prints rates and harness/C ratios.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withEnableUring } from '../src/cli/kernelRun.js';
import { ParamLock } from '../src/kernel/paramLock.js';
import { loadProbe, type NativeProbe } from '../native-probe/index.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { cpus } from '../src/kernel/detect.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { fuzz } from '../fuzz/fuzzer.js';
import { watchdog } from '../src/cli/watchdog.js';
import { findingText } from '../src/cli/fuzz.js';
import { baselineHeader } from './baselineSpec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASELINE = `${ROOT}build/bench-baseline`;
const ROUNDS = 3;
const FUZZ_SECONDS = 20;
const JOBS = [
  { job: 'cycles', n: 300, what: 'connection cycles/s (open, mount, INIT, ring, one REGISTER per queue, teardown)' },
  { job: 'requests', n: 30000, what: 'requests/s over the ring (client stat → GETATTR CQE → COMMIT_AND_FETCH)' },
  { job: 'reads', n: 4000, what: 'MB/s of 128 KiB reads over the ring (FOPEN_DIRECT_IO: each read one READ whose 131072 bytes the server copies into its payload buffer)' },
] as const;

// Every mount point of both sides lives under one directory, removed when the bench ends or is stopped.
const BENCH_DIR = mkdtempSync('/tmp/furc-bench-');
const removeBenchDir = () => rmSync(BENCH_DIR, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { removeBenchDir(); process.exit(130); });
const inPrivateNs = async (cmd: string, args: string[]) =>
  Number((await execa('unshare', ['--mount', '--propagation', 'private', cmd, ...args], { env: { FURC_BENCH_DIR: BENCH_DIR } })).stdout.trim());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const why = KernelTarget.unavailable();
  if (why) { console.log(`SKIP: kernel benchmark cannot run here: ${why}`); return; }
  mkdirSync(`${ROOT}build`, { recursive: true });
  writeFileSync(`${BASELINE}-spec.h`, baselineHeader());
  await execa('cc', ['-O2', '-Wall', '-include', `${BASELINE}-spec.h`, '-o', BASELINE, `${ROOT}native-probe/bench/baseline.c`]);
  await withEnableUring((s) => console.log(s), async () => {
    // The raw-C rounds need the switch on and must not see another run flip it: hold it shared meanwhile.
    const hold = new ParamLock(loadProbe() as NativeProbe);
    hold.acquire('Y');
    let cyclesC = 0;
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
      if (job === 'cycles') cyclesC = median(c);
    }
    hold.close();
    // Fuzzing throughput: every case is a fresh connection, so it is set against the raw-C connection cycles.
    const k = new KernelTarget();
    const stop = watchdog(FUZZ_SECONDS + 120, 'the fuzzing benchmark', () => k.dispose(), (x) => console.log(x));
    try {
      const s = await fuzz({ model: new ModelTarget({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }), target: k,
        revision: 'R0', seed: 20261121, runs: 100000, seconds: FUZZ_SECONDS, outDir: null, nrCpus: cpus(), fingerprint: null, progress: () => {} });
      const rate = s.cases / s.seconds;
      console.log(`fuzzing against the kernel, ${FUZZ_SECONDS} s (cases/s; each case opens its own connection)`);
      console.log(`  raw C:   ${cyclesC.toFixed(0)}  connection cycles/s`);
      console.log(`  harness: ${rate.toFixed(2)}  cases/s (${(s.steps / s.seconds).toFixed(1)} steps/s, ${s.findings.length} findings)`);
      console.log(`ratio: ${(rate / cyclesC).toFixed(4)}`);
      // A divergence is shown as furc fuzz shows it, not only counted.
      for (const f of s.findings) console.log(findingText(f, 'kernel'));
      // Where a case's time goes: the worker's phases (Conn.profile), and the rest (model, steering, IPC, Node).
      const perCase = (ms: number) => `${(ms / s.cases).toFixed(2)} ms/case`;
      const phases = Object.entries(k.profile).sort((a, b) => b[1] - a[1]);
      const inWorker = phases.reduce((n, [, ms]) => n + ms, 0);
      console.log(`profile of a fuzz case (${(1000 / rate).toFixed(2)} ms each):`);
      for (const [phase, ms] of phases) console.log(`  ${phase.padEnd(24)} ${perCase(ms)}`);
      console.log(`  ${'outside the worker'.padEnd(24)} ${perCase(s.seconds * 1000 - inWorker)}`);
    } finally { stop(); k.dispose(); }
  });
}

try { await main(); } finally { removeBenchDir(); }
