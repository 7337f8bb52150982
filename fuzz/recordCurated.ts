// `npm run corpus:record [-- SLUG…]`: runs the curated cases (or those named, or one finding) on this kernel (root) and writes fixtures/regressions/*.json and .c.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { cpus } from '../src/kernel/detect.js';
import { withEnableUring } from '../src/cli/kernelRun.js';
import { ModelTarget } from '../src/target/modelTarget.js';
import { toWire } from '../src/kernel/wire.js';
import { curated } from './curated.js';
import { loadEntry } from './corpus.js';
import { writeReproducer } from './reproC.js';
import { runCase } from './runCase.js';

const why = KernelTarget.unavailable();
if (why) { console.error(`corpus:record needs the kernel target: ${why}`); process.exit(4); }
const k = new KernelTarget();
try {
  await withEnableUring((s) => console.error(s), async () => {
    const fp = await k.fingerprint();
    // Slugs on the command line record just those (the others keep their recording); `--finding FILE SLUG SOURCE` records
    // a fuzzer's finding (its case as saved) as a regression instead, with the slug and source line given.
    const args = process.argv.slice(2);
    const fromFinding = args[0] === '--finding';
    if (fromFinding && args.length !== 4) { console.error('usage: corpus:record -- --finding FILE SLUG SOURCE'); process.exit(2); }
    const only = fromFinding ? [] : args;
    const items = fromFinding
      ? [{ slug: args[2]!, source: args[3]!, ...loadEntry(args[1]!).case }]
      : curated(cpus()).filter((x) => only.length === 0 || only.includes(x.slug));
    for (const c of items) {
      const fcase = { config: c.config, steps: c.steps };
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await runCase(new ModelTarget({ nr_cpus: cpus(), caps: c.config.caps }), k, fcase));
      const ok = runs.filter((r) => r.mismatchAt === null && r.problem === null).length;
      const hash = createHash('sha1').update(toWire(fcase)).digest('hex').slice(0, 12);
      const file = `fixtures/regressions/${hash}-${c.slug}`;
      const entry = { title: c.slug.replace(/-/g, ' '), found: new Date().toISOString().slice(0, 10), source: c.source, seed: 0, path: '',
        target: 'kernel', fingerprint: fp, case: fcase, steps: runs[0]!.steps, mustReach: c.steps.length, reproduced: `${ok}/3 agree`, problem: runs[0]!.problem };
      writeFileSync(`${file}.json`, JSON.stringify(JSON.parse(toWire(entry)), null, 2) + '\n');
      writeReproducer(`${file}.c`, fcase);
      console.log(`${ok === 3 ? 'agree' : 'DIFFER'} ${file}.json`);
    }
  });
} finally { k.dispose(); }
