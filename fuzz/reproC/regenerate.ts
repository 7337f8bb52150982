// Regenerates the C reproducer next to every corpus file: `node dist/fuzz/reproC/regenerate.js [dir]`.
import { readdirSync } from 'node:fs';
import { loadEntry } from '../corpus.js';
import { writeReproducer } from '../reproC.js';

const dir = process.argv[2] ?? 'fixtures/regressions';
for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
  const file = `${dir}/${f}`;
  writeReproducer(file.replace(/\.json$/, '.c'), loadEntry(file).case);
  console.log(`wrote ${file.replace(/\.json$/, '.c')}`);
}
