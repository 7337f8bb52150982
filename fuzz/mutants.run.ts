// `npm run mutants`: fuzz the kernel against each deliberately wrong model; report caught or not, and how fast, with the
// generator's fixed weights alone and with steering toward unhit rows (both times printed).
import { withEnableUring } from '../src/cli/kernelRun.js';
import { cpus } from '../src/kernel/detect.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { fuzz } from './fuzzer.js';
import { MUTANTS, type Mutant } from './mutants.js';

const LIMIT = Number(process.env.FURC_MUTANT_SECONDS ?? 60);
const why = KernelTarget.unavailable();
if (why) { console.log(`SKIP: mutants need the kernel target: ${why}`); process.exit(0); }
const k = new KernelTarget();
const caught = { off: 0, on: 0 };
const CAPS = { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true };

async function attempt(m: Mutant, steer: boolean): Promise<{ hit: boolean; secs: number; cases: number }> {
  const t0 = Date.now();
  const s = await fuzz({ model: new ModelTarget({ nr_cpus: cpus(), caps: CAPS }, m.overrides ?? {}, m.mutation),
    target: k, revision: 'R0', seed: 20261121, runs: 100000, seconds: LIMIT, outDir: null, nrCpus: cpus(), fingerprint: null,
    progress: () => {}, reproduceRuns: 1, stopAtFirst: true, steer });
  return { hit: s.findings.length > 0, secs: (Date.now() - t0) / 1000, cases: s.cases };
}

const show = (r: { hit: boolean; secs: number; cases: number }) => `${r.hit ? 'CAUGHT' : 'MISSED'} ${r.secs.toFixed(1).padStart(5)} s ${String(r.cases).padStart(5)} cases`;

try {
  await withEnableUring((s) => console.log(s), async () => {
    console.log(`${'fixed weights'.padEnd(30)}  ${'steered'.padEnd(30)}  mutant`);
    // Control: the reference model itself must produce no finding in the same budget, or the score means nothing.
    for (const m of [{ name: 'control: the reference model (must be MISSED)', mutation: {} } as Mutant, ...MUTANTS]) {
      const off = await attempt(m, false);
      const on = await attempt(m, true);
      const real = Object.keys(m.mutation).length > 0 || m.overrides !== undefined;
      if (real && off.hit) caught.off++;
      if (real && on.hit) caught.on++;
      console.log(`${show(off).padEnd(30)}  ${show(on).padEnd(30)}  ${m.name}`);
    }
  });
} finally { k.dispose(); }
const pct = (n: number) => ((100 * n) / MUTANTS.length).toFixed(0);
console.log(`mutation score: fixed weights ${caught.off}/${MUTANTS.length} (${pct(caught.off)} %), steered ${caught.on}/${MUTANTS.length} (${pct(caught.on)} %), within ${LIMIT} s each`);
