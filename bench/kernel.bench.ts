// `npm run bench`: raw-C baseline and harness side by side in one run; prints rates and harness/C ratios.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withEnableUring } from '../src/cli/kernelRun.js';
import { ParamLock } from '../src/kernel/paramLock.js';
import { loadProbe, type NativeProbe } from '../native-probe/index.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { NAP_MS } from '../src/kernel/conn.js';
import { cpus } from '../src/kernel/detect.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { fuzzJobs, type FuzzSummary } from '../fuzz/fuzzer.js';
import { watchdog } from '../src/cli/watchdog.js';
import { findingText } from '../src/cli/fuzz.js';
import { baselineHeader } from './baselineSpec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASELINE = `${ROOT}build/bench-baseline`;
// Rounds of about a second each: 300 cycles (0.1 s) let raw C's rate swing 3100–3980/s between rounds of one run.
const ROUNDS = 5;
const FUZZ_SECONDS = 20;
// Requests and reads run with both sides placed the same way: left to the scheduler, raw C's request rounds swung
// 14k–41k/s and its read rounds 965–2195 MB/s (whether client and server happened to share a CPU: a wakeup across CPUs
// costs more than a whole request on one).
// Each side first runs `warm` untimed iterations: the harness's first 10,000 requests ran in V8's lower tiers at 20k/s,
// the next 10,000 at 31k/s, so 15,000 timed from the start measured the compiler (22.7k/s), not the steady state.
interface Job { readonly job: 'cycles' | 'requests' | 'reads'; readonly n: number; readonly warm: number; readonly what: string; readonly place?: { readonly server: number; readonly client: number } }
const WARM_CYCLES = 500, WARM_REQUESTS = 20_000, WARM_READS = 1000;
const JOBS: readonly Job[] = [
  { job: 'cycles', n: 3000, warm: WARM_CYCLES, what: 'connection cycles/s (open, mount, INIT, ring, one REGISTER per queue, teardown)' },
  { job: 'requests', n: 15000, warm: WARM_REQUESTS, place: { server: 0, client: 1 }, what: 'requests/s over the ring (client stat → GETATTR CQE → COMMIT_AND_FETCH), server on CPU 0, client on CPU 1' },
  { job: 'requests', n: 150000, warm: WARM_REQUESTS, place: { server: 0, client: 0 }, what: 'requests/s over the ring, server and client on CPU 0 (no wakeup across CPUs: the harness\'s own cost per request shows)' },
  { job: 'reads', n: 4000, warm: WARM_READS, place: { server: 0, client: 1 }, what: 'MB/s of 128 KiB reads over the ring (FOPEN_DIRECT_IO: each read one READ whose 131072 bytes the server copies into its payload buffer), server on CPU 0, client on CPU 1' },
];

// Every mount point of both sides lives under one directory, removed when the bench ends or is stopped.
const BENCH_DIR = mkdtempSync('/tmp/furc-bench-');
const removeBenchDir = () => rmSync(BENCH_DIR, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { removeBenchDir(); process.exit(130); });
/** A job's rate (its first line) and, for raw C's cycles, ms per occurrence of each phase (`name=ms` on its second). */
const inPrivateNs = async (cmd: string, args: string[], serverCpu?: number): Promise<{ rate: number; phases: Record<string, number> }> => {
  const pin = serverCpu === undefined ? [] : ['taskset', '-c', String(serverCpu)];
  const [rate, phases = ''] = (await execa('unshare', ['--mount', '--propagation', 'private', ...pin, cmd, ...args], { env: { FURC_BENCH_DIR: BENCH_DIR } })).stdout.trim().split('\n');
  return { rate: Number(rate), phases: Object.fromEntries(phases.split(' ').filter(Boolean).map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])])) };
};
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
    // Raw C's ms per occurrence of a phase (median over its rounds), set beside the harness's in the fuzz profile.
    const rawPhases: Record<string, number[]> = {};
    for (const { job, n, warm, what, place } of JOBS) {
      if (place && Math.max(place.server, place.client) >= cpus()) { console.log(`${what}\n  SKIP: this machine has ${cpus()} CPU(s)`); continue; }
      const c: number[] = [], h: number[] = [];
      const args = [job, String(n), String(warm), ...(place ? [String(place.client)] : [])];
      // Interleaved rounds, so both sides see the same machine state.
      for (let r = 0; r < ROUNDS; r++) {
        const raw = await inPrivateNs(BASELINE, args, place?.server);
        c.push(raw.rate);
        for (const [key, v] of Object.entries(raw.phases)) (rawPhases[key] ??= []).push(v);
        h.push((await inPrivateNs(process.execPath, [`${ROOT}dist/bench/harness.js`, ...args], place?.server)).rate);
      }
      // One request is a client op answered by one COMMIT_AND_FETCH; a fuzz case's client runs on a CPU of its own.
      if (job === 'requests' && place && place.server !== place.client) rawPhases['client+COMMIT'] = c.map((x) => 1000 / x);
      console.log(`${what}; timed after ${warm.toLocaleString('en')} untimed on each side`);
      console.log(`  raw C:   ${median(c).toFixed(0)}  (rounds ${c.map((x) => x.toFixed(0)).join(', ')})`);
      console.log(`  harness: ${median(h).toFixed(0)}  (rounds ${h.map((x) => x.toFixed(0)).join(', ')})`);
      console.log(`ratio: ${(median(h) / median(c)).toFixed(2)}`);
      if (job === 'cycles') cyclesC = median(c);
    }
    hold.close();
    // Fuzzing throughput: every case is a fresh connection, so it is set against the raw-C connection cycles. One job
    // gives the profile (each phase is one worker's time); a job per CPU is the rate `furc fuzz --jobs` gets here.
    const jobs = cpus();
    const k = new KernelTarget();
    const ks = [k, ...Array.from({ length: jobs - 1 }, () => new KernelTarget())];
    const stop = watchdog(2 * FUZZ_SECONDS + 120, 'the fuzzing benchmark', () => ks.forEach((x) => x.dispose()), (x) => console.log(x));
    const fuzzRun = (targets: KernelTarget[]) => fuzzJobs({ model: new ModelTarget({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }),
      revision: 'R0', seed: 20261121, runs: 1_000_000, seconds: FUZZ_SECONDS, outDir: null, nrCpus: cpus(), fingerprint: null, progress: () => {} }, targets);
    try {
      const waitsBefore = k.traffic.waits;
      const one = await fuzzRun([k]);
      const profile = structuredClone(k.profile);
      const waits = k.traffic.waits - waitsBefore;
      const many = jobs > 1 ? await fuzzRun(ks) : one;
      const rateOf = (s: FuzzSummary) => s.cases / s.seconds;
      const line = (s: FuzzSummary, n: number) => `${rateOf(s).toFixed(2)} cases/s with ${n} job${n > 1 ? 's' : ''} (${s.cases} cases, ${(s.steps / s.seconds).toFixed(1)} steps/s, ${s.findings.length} findings)`;
      console.log(`fuzzing against the kernel, ${FUZZ_SECONDS} s per run (cases/s; each case opens its own connection)`);
      console.log(`  raw C:   ${cyclesC.toFixed(0)}  connection cycles/s`);
      if (jobs > 1) console.log(`  harness: ${line(one, 1)}: ${(rateOf(one) / cyclesC).toFixed(4)} of raw C`);
      console.log(`  harness: ${line(many, jobs)}`);
      console.log(`ratio: ${(rateOf(many) / cyclesC).toFixed(4)}`);
      // A divergence is shown as furc fuzz shows it, not only counted.
      for (const f of [...one.findings, ...(many === one ? [] : many.findings)]) console.log(findingText(f, 'kernel'));
      // Where a case's time goes: the worker's phases (Conn.profile), and the rest (model, steering, IPC, Node).
      const perCase = (ms: number) => `${(ms / one.cases).toFixed(2)} ms/case`;
      const phases = Object.entries(profile).sort((x, y) => y[1].ms - x[1].ms);
      const inWorker = phases.reduce((n, [, p]) => n + p.ms, 0);
      const raw = (phase: string) => {
        const xs = rawPhases[phase === 'client' ? 'client+COMMIT' : phase];
        return xs ? `; raw C ${median(xs).toFixed(3)} ms${phase === 'client' ? ' for a client op and its COMMIT' : ''}` : '';
      };
      console.log(`profile of a fuzz case, 1 job (${(1000 / rateOf(one)).toFixed(2)} ms each; raw C's figure where it does the same work):`);
      for (const [phase, p] of phases) console.log(`  ${phase.padEnd(24)} ${perCase(p.ms)}  (${p.n} times, ${(p.ms / p.n).toFixed(3)} ms each${raw(phase)})`);
      console.log(`  ${'outside the worker'.padEnd(24)} ${perCase(one.seconds * 1000 - inWorker)}`);
      // A wait that returns at once is a spin: this count once stood at 81 per case (a dead /dev/fuse polled ready).
      console.log(`  ${'waits for activity'.padEnd(24)} ${(waits / one.cases).toFixed(1)} per case (a ppoll of the ring, /dev/fuse and busy clients, or a ${NAP_MS} ms nap)`);
    } finally { stop(); ks.forEach((x) => x.dispose()); }
  });
}

try { await main(); } finally { removeBenchDir(); }
