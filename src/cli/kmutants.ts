// `furc kmutants`: mutation testing of the kernel's FUSE-over-io_uring code, the measure of what this harness can notice.
import { writeFileSync } from 'node:fs';
import { UsageError } from '../../spec/errors.js';
import { BuildInputError, resolveBase } from '../kbuild/build.js';
import { KMUTANTS } from '../kmutants/list.js';
import { runKmutants, score, type MutantResult } from '../kmutants/run.js';
import { parse } from './args.js';
import { KMUTANTS as CMD } from './commands.js';
import { buildArgs } from './kernel.js';
import type { Io } from './main.js';

const secs = (s: number) => (s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

export function renderTable(rs: readonly MutantResult[]): string[] {
  const w = Math.max(...rs.map((r) => r.id.length));
  return rs.map((r) => `${r.id.padEnd(w)}  ${r.kind.padEnd(17)}  ${(r.outcome.kind === 'killed' ? 'killed' : r.outcome.kind === 'survived' ? 'SURVIVED' : r.outcome.kind).padEnd(13)}  ${r.cached ? 'cached' : `${secs(r.buildS).padStart(6)} + ${secs(r.guestS).padStart(7)}`}  ${r.outcome.kind === 'killed' ? r.outcome.by : r.outcome.kind === 'skip' ? r.outcome.why : r.outcome.kind === 'build-failure' ? r.outcome.error : ''}`);
}

export async function kmutantsCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: v } = parse(CMD, args);
  const only = v.only?.split(',').filter(Boolean);
  const bad = only?.find((id) => !KMUTANTS.some((m) => m.id === id));
  if (bad) throw new UsageError(`--only ${bad}: no such mutant (furc kmutants --list shows them)`);
  const mutants = only ? KMUTANTS.filter((m) => only.includes(m.id)) : KMUTANTS;
  if (v.list) { for (const m of mutants) io.out(`${m.id.padEnd(30)} ${m.kind.padEnd(17)} ${m.file}: ${m.reason}`); return 0; }
  const a = buildArgs({ ...v, jobs: v['build-jobs'] });
  const o = {
    patches: a.patches, debug: a.debug, mutants, jobs: v.jobs ?? 1, buildJobs: a.jobs, seed: v.seed ?? 20261121, fuzzRuns: v['fuzz-runs'] ?? 30,
    fuzzSeconds: v['fuzz-time'] ?? 60, raceSeconds: v['race-time'] ?? 30, guestTimeoutS: v['guest-timeout'] ?? null, accel: v.accel ?? 'auto',
    say: (s: string) => io.err(`furc kmutants: ${s}`),
  };
  let base;
  try { base = await resolveBase(a.source, o.say); } catch (e) { if (e instanceof BuildInputError) throw new UsageError(e.message); throw e; }
  const t0 = Date.now();
  const { results, harness, baselineS } = await runKmutants({ ...o, base });
  const s = score(results);
  io.out(`# kernel mutants of ${base.label} (harness ${harness}; suite + fuzz seed ${o.seed}, ${o.fuzzRuns} runs ≤ ${o.fuzzSeconds} s${o.raceSeconds ? ` + race ≤ ${o.raceSeconds} s` : ''}, per guest)`);
  for (const l of renderTable(results)) io.out(l);
  io.out(`# kernel mutation score: ${s.killed}/${s.killed + s.survived} killed (${(100 * s.score).toFixed(1)}%); ${s.survived} survived, ${s.buildFailures} build failures, ${s.skipped} skipped`);
  const ran = results.filter((r) => !r.cached && r.outcome.kind !== 'skip');
  if (ran.length) io.out(`# time per mutant: ${secs(ran.reduce((n, r) => n + r.buildS + r.guestS, 0) / ran.length)} (build ${secs(ran.reduce((n, r) => n + r.buildS, 0) / ran.length)}, guests ${secs(ran.reduce((n, r) => n + r.guestS, 0) / ran.length)}); baseline ${secs(baselineS)}; total ${secs((Date.now() - t0) / 1000)}`);
  const survivors = results.filter((r) => r.outcome.kind === 'survived');
  if (survivors.length) io.out('# survivors (what they changed):');
  for (const r of survivors) io.out(`#   ${r.id} (${r.kind}): ${r.reason}`);
  if (v.out) writeFileSync(v.out, JSON.stringify({ tool: 'furc', kind: 'kmutants', base: base.label, harness, score: s, results }, null, 2) + '\n');
  return 0;
}
