// `npm run mutants`: fuzz the kernel against each deliberately wrong model; report caught or not, and how fast, with the
// generator's fixed weights alone and with steering toward unhit rows (both times printed).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { withEnableUring } from '../src/cli/kernelRun.js';
import { cacheRoot } from '../src/debian/cache.js';
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

type Attempt = { hit: boolean; secs: number; cases: number };
const show = (r: Attempt) => `${r.hit ? 'CAUGHT' : 'MISSED'} ${r.secs.toFixed(1).padStart(5)} s ${String(r.cases).padStart(5)} cases`;
// The last run's results, per machine, in furc's cache (build/ goes with every node-gyp rebuild): each mutant's time is
// printed beside the one before.
const LAST = `${cacheRoot()}/mutants-last.json`;
const before: Record<string, { off: Attempt; on: Attempt }> = existsSync(LAST) ? JSON.parse(readFileSync(LAST, 'utf8')).results : {};
const was = (name: string, mode: 'off' | 'on') => { const b = before[name]?.[mode]; return b ? ` (was ${b.hit ? `${b.secs.toFixed(1)} s` : 'MISSED'})` : ''; };
const results: Record<string, { off: Attempt; on: Attempt }> = {};

try {
  await withEnableUring((s) => console.log(s), async () => {
    if (Object.keys(before).length) console.log(`times of the run before (${JSON.parse(readFileSync(LAST, 'utf8')).when}) in parentheses`);
    console.log(`${'fixed weights'.padEnd(44)}  ${'steered'.padEnd(44)}  mutant`);
    // Control: the reference model itself must produce no finding in the same budget, or the score means nothing.
    for (const m of [{ name: 'control: the reference model (must be MISSED)', mutation: {} } as Mutant, ...MUTANTS]) {
      const off = await attempt(m, false);
      const on = await attempt(m, true);
      const real = Object.keys(m.mutation).length > 0 || m.overrides !== undefined;
      if (real && off.hit) caught.off++;
      if (real && on.hit) caught.on++;
      results[m.name] = { off, on };
      console.log(`${(show(off) + was(m.name, 'off')).padEnd(44)}  ${(show(on) + was(m.name, 'on')).padEnd(44)}  ${m.name}`);
    }
  });
} finally { k.dispose(); }
mkdirSync(dirname(LAST), { recursive: true });
writeFileSync(LAST, JSON.stringify({ when: new Date().toISOString(), limit: LIMIT, results }, null, 2) + '\n');
const pct = (n: number) => ((100 * n) / MUTANTS.length).toFixed(0);
console.log(`mutation score: fixed weights ${caught.off}/${MUTANTS.length} (${pct(caught.off)} %), steered ${caught.on}/${MUTANTS.length} (${pct(caught.on)} %), within ${LIMIT} s each`);
