// The fuzzer on the model: seeded sequences repeat, the model agrees with itself, a mutant is found, shrunk and saved.
import { execa } from 'execa';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelTarget } from '../src/target/modelTarget.js';
import { toWire } from '../src/kernel/wire.js';
import { arbCase } from './arbitraries.js';
import { loadEntry } from './corpus.js';
import { fuzz } from './fuzzer.js';
import { MUTANTS } from './mutants.js';

const model = (m = {}) => new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }, {}, m);
const base = { revision: 'R0' as const, seconds: 60, nrCpus: 2, fingerprint: null, progress: () => {} };

describe('fuzzer (model)', () => {
  const out = mkdtempSync(`${tmpdir()}/furc-fuzz-`);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('should generate the same 20 cases for seed 42 twice', () => {
    const a = fc.sample(arbCase('R0', 2), { seed: 42, numRuns: 20 });
    const b = fc.sample(arbCase('R0', 2), { seed: 42, numRuns: 20 });
    expect(toWire(a)).toBe(toWire(b));
  });

  it('should find nothing in 300 cases of the model against itself', async () => {
    const s = await fuzz({ ...base, model: model(), target: model(), seed: 7, runs: 300, outDir: null });
    expect(s.cases).toBe(300);
    expect(s.findings).toEqual([]);
  });

  it('should find the "entries handed out oldest first" mutant, shrink it and save a corpus file with a compiling C reproducer', async () => {
    const mutant = MUTANTS.find((m) => m.name.startsWith('entries handed out oldest first'))!;
    const s = await fuzz({ ...base, model: model(), target: model(mutant.mutation), seed: 1, runs: 3000, outDir: out });
    expect(s.findings.length).toBeGreaterThanOrEqual(1);
    const f = s.findings[0]!;
    expect(f.solid).toBe(true);
    const e = loadEntry(f.file!);
    expect(e.case.steps.length).toBeLessThanOrEqual(8);
    expect(e.mustReach).toBe(e.case.steps.length);
    // Every saved finding has its reproducer beside it (two findings that shrink to one case share one file).
    expect(readdirSync(out).filter((x) => x.endsWith('.c')).sort()).toEqual([...new Set(s.findings.map((x) => x.file!.replace(/^.*\//, '').replace(/\.json$/, '.c')))].sort());
    const cc = await execa('cc', ['-fsyntax-only', '-Wall', f.file!.replace(/\.json$/, '.c')], { reject: false });
    expect(cc.stderr).toBe('');
  });
});
