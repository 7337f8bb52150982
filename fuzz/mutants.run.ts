// `npm run mutants`: fuzz the kernel against each deliberately wrong model; report caught or not, and how fast.
import { withEnableUring } from '../src/cli/kernelRun.js';
import { cpus } from '../src/kernel/detect.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { fuzz } from './fuzzer.js';
import { MUTANTS } from './mutants.js';

const LIMIT = Number(process.env.FURC_MUTANT_SECONDS ?? 60);
const why = KernelTarget.unavailable();
if (why) { console.log(`SKIP: mutants need the kernel target: ${why}`); process.exit(0); }
const k = new KernelTarget();
let caught = 0;
try {
  await withEnableUring((s) => console.log(s), async () => {
    // Control: the reference model itself must produce no finding in the same budget, or the score means nothing.
    for (const m of [{ name: 'control: the reference model (must be MISSED)', mutation: {} }, ...MUTANTS]) {
      const t0 = Date.now();
      const s = await fuzz({ model: new ModelTarget({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }, {}, m.mutation),
        target: k, revision: 'R0', seed: 20261121, runs: 100000, seconds: LIMIT, outDir: null, nrCpus: cpus(), fingerprint: null,
        progress: () => {}, reproduceRuns: 1, stopAtFirst: true });
      const secs = (Date.now() - t0) / 1000;
      const hit = s.findings.length > 0;
      if (hit && Object.keys(m.mutation).length > 0) caught++;
      console.log(`${hit ? 'CAUGHT ' : 'MISSED '} ${secs.toFixed(1).padStart(5)} s  ${String(s.cases).padStart(4)} cases  ${m.name}`);
    }
  });
} finally { k.dispose(); }
console.log(`mutation score: ${caught}/${MUTANTS.length} (${((100 * caught) / MUTANTS.length).toFixed(0)} %) caught within ${LIMIT} s each`);
