// `furc race`: races of server threads against teardown on this kernel, or the model's allowed outcomes per scenario.
import { release } from 'node:os';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { UsageError } from '../../spec/errors.js';
import type { RevisionId } from '../../spec/types.js';
import { cpus } from '../kernel/detect.js';
import { readParam } from '../kernel/enableUring.js';
import { KernelTarget } from '../kernel/kernelTarget.js';
import { TIME_SCALE } from '../kernel/timeScale.js';
import { saveRaceFinding, titleOf } from '../race/corpus.js';
import { buildRace } from '../race/iteration.js';
import { leftBehind } from '../race/leftovers.js';
import { allowedOutcomes } from '../race/oracle.js';
import { MUTANTS } from '../race/mutants.js';
import { writeRaceReproducer } from '../race/reproC.js';
import { race, type RaceFinding, type RaceSummary } from '../race/runner.js';
import { SCENARIOS } from '../race/scenarios/index.js';
import { parse } from './args.js';
import { RACE } from './raceCommand.js';
import { withEnableUring } from './kernelRun.js';
import { watchdog } from './watchdog.js';
import type { Io } from './main.js';

export async function raceCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(RACE, args);
  const ids = o.scenario ? o.scenario.split(',').map((s) => s.trim()).filter(Boolean) : null;
  const unknown = ids?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length) throw new UsageError(`unknown race scenario '${unknown[0]}' (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  if ((o.target ?? 'model') === 'model' && o.jobs !== undefined) throw new UsageError('--jobs races on the kernel: it needs --target kernel');
  if ((o.target ?? 'model') === 'model') return modelTarget(ids, o.revision, io, o.json, o.mutant);
  const why = KernelTarget.unavailable();
  if (why) { io.err(`furc: cannot race this kernel: ${why}`); return 4; }
  const seed = o.seed ?? Date.now() % 1_000_000;
  const maxJitterNs = (o['jitter-us'] ?? 200) * 1000 * TIME_SCALE;
  const seconds = o.time ?? 60;
  const saved: string[] = [];
  let enableBefore: string | null = null;
  const seen = new Set<string>();
  const onFinding = (f: RaceFinding, s: Pick<RaceSummary, 'hello'>) => {
    const key = `${f.scenario}\n${f.finding.kind}\n${f.finding.kind === 'outcome' ? f.outcome.join('\n') : titleOf(f.finding)}`;
    const first = !seen.has(key);
    seen.add(key);
    io.out(`finding: ${f.scenario} iteration ${f.iteration}: ${titleOf(f.finding)}${first ? '' : ' (seen before)'}`);
    if (!first) return;
    io.out(describe(f));
    if (!o.out || !s.hello || s.hello.revision === 'none') return;
    const file = saveRaceFinding(o.out, {
      found: new Date().toISOString(), source: `furc race --seed ${seed}`, kernel: release(), revision: s.hello.revision, nrCpus: s.hello.nrCpus,
      scenario: f.scenario, seed, iteration: f.iteration, maxJitterNs, jitterNs: f.jitterNs, mutant: o.mutant ?? null, finding: f.finding, outcome: f.outcome,
      replay: `npx furc race --target kernel --scenario ${f.scenario} --seed ${seed} --from ${f.iteration} --iterations 1 --jitter-us ${maxJitterNs / 1000 / TIME_SCALE} (or the .c beside this file: cc -O1 -pthread -o repro FILE.c && sudo ./repro)`,
    });
    writeRaceReproducer(file.replace(/\.json$/, '.c'), s.hello.revision, s.hello.nrCpus, { scenario: f.scenario, seed, iteration: f.iteration, maxJitterNs }, f.finding.kind === 'outcome' ? f.outcome : [], titleOf(f.finding));
    saved.push(file);
  };
  let hello: RaceSummary['hello'] = null;
  const stop = watchdog(seconds + 300, 'furc race', () => undefined, io.err);
  try {
    // Read once this run is registered: a value an interrupted run left has been put back by then.
    const s = await withEnableUring(io.err, () => { enableBefore = readParam(); return race({
      scenarios: ids, seconds, iterations: o.iterations ?? null, from: o.from ?? 0, seed, maxJitterNs, say: io.err, jobs: o.jobs ?? 1,
      ...(o.revision ? { revision: o.revision } : {}), ...(o.mutant ? { mutant: o.mutant } : {}), ...(o['inject-stall'] ? { stall: o['inject-stall'] } : {}),
      onFinding: (f) => onFinding(f, { hello }), onHello: (h) => { hello = h; },
    }); });
    const enableAfter = readParam();
    if (o.json) io.out(JSON.stringify(summaryJson(s, seed, enableBefore, enableAfter, saved), null, 2));
    else printSummary(s, seed, enableBefore, enableAfter, saved, io);
    if (!s.hello || s.hello.revision === 'none') { io.err(`furc: no FUSE-over-io_uring to race: ${s.hello?.why ?? 'no answer from the worker'}`); return 4; }
    return s.findings.length > 0 || s.errors.length > 0 || leftBehind(s.leftovers) || enableBefore !== enableAfter ? 1 : 0;
  } finally { stop(); }
}

/** A finding's evidence, indented: the observed outcome and the nearest one the model allows, or the stacks. */
function describe(f: RaceFinding): string {
  const ind = (t: string) => t.split('\n').map((l) => `    ${l}`).join('\n');
  switch (f.finding.kind) {
    case 'outcome': {
      const n = f.finding.nearest;
      return ind([`observed: ${f.outcome.join(', ')}`, `nearest of the ${f.finding.allowed} allowed: ${n?.outcome.join(', ') ?? '-'}`, `  (via ${n?.order.join(' → ') ?? '-'})`,
        ...(f.finding.inside ? ['clients still inside the kernel once the race had settled (before the teardown abort):', f.finding.inside] : [])].join('\n'));
    }
    case 'hang': return ind(`${f.finding.what}\n${f.finding.stacks}`);
    case 'splat': return ind(f.finding.lines.join('\n'));
    case 'leak': return ind(f.finding.what);
  }
}

function printSummary(s: RaceSummary, seed: number, before: string | null, after: string | null, saved: readonly string[], io: Io): void {
  const rev = s.hello?.revision ?? 'none';
  io.out(`race kernel ${rev} (${s.hello?.nrCpus ?? '?'} CPUs): seed ${seed}${s.jobs > 1 ? ` (${s.jobs} jobs: ${s.byJob.join(' + ')} iterations)` : ''}, ${s.iterations} iterations in ${s.seconds.toFixed(1)} s (${(s.iterations / Math.max(s.seconds, 0.001)).toFixed(2)} iterations/s; worker start, revision detection and the model's orderings ${(s.helloMs / 1000).toFixed(1)} s before, of which the model ${((s.hello?.modelMs ?? 0) / 1000).toFixed(1)} s), ${[...s.scenarios.values()].filter((x) => x.iterations > 0).length} scenarios, ${s.findings.length} findings`);
  const w = Math.max(...[...s.scenarios.keys()].map((k) => k.length), 8);
  for (const [id, st] of s.scenarios) {
    io.out(`  ${id.padEnd(w)}  ${String(st.iterations).padStart(5)} iterations  ${st.iterations ? (st.ms / st.iterations).toFixed(0).padStart(5) : '    -'} ms each  outcomes seen ${st.outcomes.size}/${st.allowed}  ${st.requests} requests served  ${st.findings} findings`);
  }
  for (const e of s.errors) io.out(`error: ${e}`);
  for (const f of saved) io.out(`saved: ${f}`);
  const l = s.leftovers;
  io.out(`left behind: ${l.mounts.length} mounts, ${l.connections.length} of the run's connections (fusectl ${l.fusectl.before ?? '?'} → ${l.fusectl.after ?? '?'}), ${l.processes.length} processes, ${l.mountDirs.length} mount dirs; fuse.enable_uring ${before ?? 'absent'} → ${after ?? 'absent'}`);
}

function summaryJson(s: RaceSummary, seed: number, before: string | null, after: string | null, saved: readonly string[]) {
  return {
    revision: s.hello?.revision ?? 'none', nrCpus: s.hello?.nrCpus ?? null, seed, jobs: s.jobs, iterationsByJob: s.byJob, iterations: s.iterations, seconds: s.seconds,
    iterationsPerSecond: s.iterations / Math.max(s.seconds, 0.001),
    scenarios: Object.fromEntries([...s.scenarios].map(([id, st]) => [id, { iterations: st.iterations, msEach: st.iterations ? st.ms / st.iterations : null, allowed: st.allowed, requests: st.requests, findings: st.findings, outcomes: Object.fromEntries(st.outcomes) }])),
    findings: s.findings.map((f) => ({ scenario: f.scenario, iteration: f.iteration, title: titleOf(f.finding), finding: f.finding, outcome: f.outcome })),
    errors: s.errors, saved, leftovers: { ...s.leftovers, enableUring: { before, after } },
  };
}

/** Every scenario's allowed outcomes per revision: what the kernel may end each race with, and one ordering for each. */
function modelTarget(ids: readonly string[] | null, only: RevisionId | undefined, io: Io, json: boolean, mutant: string | undefined): number {
  const nr = cpus();
  const rows: { scenario: string; revision: RevisionId; orders: number; impossible: number; outcomes: { lines: readonly string[]; order: readonly string[] }[] }[] = [];
  for (const sc of SCENARIOS.filter((x) => ids === null || ids.includes(x.id))) {
    for (const rev of sc.revisions.filter((r) => only === undefined || r === only)) {
      const cfg = baseConfig(rev, nr);
      const { built } = buildRace(revision(rev), cfg, nr, { scenario: sc.id, seed: 0, iteration: 0, maxJitterNs: 0 }, 1);
      const a = allowedOutcomes(cfg, built, mutant ? MUTANTS[mutant]!.variant : {});
      rows.push({ scenario: sc.id, revision: rev, orders: a.orders, impossible: a.impossible, outcomes: [...a.outcomes.values()].map((v) => ({ lines: v.outcome, order: v.order })) });
    }
  }
  if (json) { io.out(JSON.stringify(rows, null, 2)); return 0; }
  for (const r of rows) {
    const sc = SCENARIOS.find((x) => x.id === r.scenario)!;
    io.out(`${r.scenario} ${r.revision}: ${r.orders} orderings${r.impossible ? ` (${r.impossible} the model cannot run)` : ''} → ${r.outcomes.length} allowed outcomes — ${sc.title}`);
    r.outcomes.forEach((x, i) => io.out(`  ${i + 1}. ${x.lines.join(', ')}\n     e.g. ${x.order.join(' → ')}`));
  }
  return 0;
}
