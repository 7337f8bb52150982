// `furc fuzz` and `furc replay`: differential fuzzing against the model, and re-running corpus files.
import { readdirSync, writeFileSync } from 'node:fs';
import { fuzzJobs, type Finding, type FuzzSummary } from '../../fuzz/fuzzer.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, type KernelLimits } from '../../fuzz/arbitraries.js';
import type { CaseResult } from '../conformance/verdict.js';
import type { Fingerprint } from '../kernel/fingerprint.js';
import { makeReport, render } from '../report/report.js';
import { loadEntry } from '../../fuzz/corpus.js';
import { runCase } from '../../fuzz/runCase.js';
import { cpus } from '../kernel/detect.js';
import { KernelTarget } from '../kernel/kernelTarget.js';
import { ModelTarget } from '../target/modelTarget.js';
import type { Target } from '../target/target.js';
import type { RevisionId } from '../../spec/types.js';
import { withEnableUring } from './kernelRun.js';
import { watchdog } from './watchdog.js';
import type { Io } from './main.js';
import { parse } from './args.js';
import { FUZZ, REPLAY } from './commands.js';
import { UsageError } from '../../spec/errors.js';
import { parseShard, shardSeeds, UNSHARDED } from '../shard.js';

const MACHINE = { nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } };
const model = () => new ModelTarget(MACHINE);

export async function fuzzCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(FUZZ, args);
  const format = o.format;
  if ((format === undefined) !== (o.report === undefined)) throw new UsageError('--format and --report go together');
  const t = o.target ?? 'model';
  const rev = o.revision ?? 'R0';
  const jobs = o.jobs ?? 1;
  // Shard i of N fuzzes its own seed derived from --seed, so N machines never repeat each other's cases.
  if (o.shard !== undefined && o.seed === undefined) throw new UsageError('--shard needs --seed: every shard derives its seed from the same base');
  const shard = o.shard === undefined ? UNSHARDED : parseShard(o.shard);
  const base = { model: model(), revision: rev, seed: shardSeeds(o.seed ?? Date.now() % 1_000_000, shard, 1)[0]!, runs: o.runs ?? 1000,
    seconds: o.time ?? 60, outDir: o.out ?? null, nrCpus: cpus(), progress: io.err, steer: o.steer !== 'off', limits: kernelLimits() };
  const report = (s: FuzzSummary, fp: Fingerprint | null = null) => {
    if (format) writeFileSync(o.report!, render(fuzzReport(t, rev, base.seed, s, fp), format));
    io.out(`fuzz ${t} ${rev}: seed ${base.seed}${jobs > 1 ? ` (${jobs} jobs)` : ''}, ${s.cases} cases, ${s.steps} steps in ${s.seconds.toFixed(1)} s (${(s.cases / s.seconds).toFixed(2)} cases/s, ${(s.steps / s.seconds).toFixed(1)} steps/s), ${s.findings.length} findings`);
    const cov = s.coverage;
    io.out(`coverage: ${cov.hit}/${cov.reachable} rule rows reachable on ${t} hit (last new row at ${s.lastNewRow.toFixed(1)} s)${cov.never.length ? `; never hit: ${cov.never.join(', ')}` : ''}`);
    io.out(`coverage: ${cov.effects.hit}/${cov.effects.reachable} request kinds through the ring${cov.effects.never.length ? `; never: ${cov.effects.never.join(', ')}` : ''}`);
    if (cov.unreachable.length) io.out(`coverage: ${cov.unreachable.length} rows no userspace sequence reaches: ${cov.unreachable.map((u) => u.id).join(', ')}`);
    for (const f of s.findings) io.out(findingText(f, t));
    return s.findings.some((f) => f.solid) ? 1 : 0;
  };
  if (t === 'model') return report(await fuzzJobs({ ...base, fingerprint: null }, Array.from({ length: jobs }, model)));
  const why = KernelTarget.unavailable();
  if (why) { io.err(`furc: cannot fuzz this kernel: ${why}`); return 4; }
  // One worker (and mount namespace) per job; fuse.enable_uring is set once for all of them.
  const ks = Array.from({ length: jobs }, () => new KernelTarget());
  const stop = watchdog(base.seconds + 180, 'furc fuzz', () => ks.forEach((k) => k.dispose()), io.err);
  try {
    return await withEnableUring(io.err, async () => {
      const unsupported = await ks[0]!.unsupported(rev);
      if (unsupported) { io.err(`furc: kernel does not implement ${rev}: ${unsupported}`); return 4; }
      const fp = await ks[0]!.fingerprint();
      // The model of this kernel: with the facts measured where kernels of one revision differ.
      const facts = (await ks[0]!.info()).facts ?? {};
      return report(await fuzzJobs({ ...base, model: new ModelTarget(MACHINE, facts), fingerprint: fp }, ks), fp);
    });
  } finally { stop(); ks.forEach((k) => k.dispose()); }
}

/** The kernel's fs.fuse.max_pages_limit where it has one (5.x+), so lengths are probed around the real clamp. */
function kernelLimits(): KernelLimits {
  try { return { ...DEFAULT_LIMITS, maxPagesLimit: Number(readFileSync('/proc/sys/fs/fuse/max_pages_limit', 'utf8').trim()) || DEFAULT_LIMITS.maxPagesLimit }; }
  catch { return DEFAULT_LIMITS; }
}

/** A fuzz run as a report: the run itself is one case, each finding another (FAIL, or XFAIL-free flaky FAIL). */
function fuzzReport(target: 'kernel' | 'model', rev: RevisionId, seed: number, s: FuzzSummary, fp: Fingerprint | null) {
  const results: CaseResult[] = [
    { revision: rev, family: `${rev} fuzz`, rule: `fuzz.seed_${seed}`, replay: `npx furc fuzz --target ${target} --revision ${rev} --seed ${seed} --runs ${s.cases}`,
      verdict: s.findings.some((f) => f.solid) ? { kind: 'FAIL', detail: `${s.findings.length} findings in ${s.cases} cases` } : { kind: 'PASS' },
      observed: `${s.cases} cases, ${s.steps} steps, ${(s.cases / s.seconds).toFixed(2)} cases/s` },
    ...s.findings.map((f, i): CaseResult => {
      const at = f.outcome.mismatchAt;
      const detail = at === null ? f.outcome.problem ?? 'problem' : `step ${at + 1} ${f.outcome.steps[at]!.step}: model ${f.outcome.steps[at]!.expected.join('; ') || 'nothing'}, ${target} ${f.outcome.steps[at]!.observed.join('; ') || 'nothing'}`;
      return { revision: rev, family: `${rev} fuzz`, rule: `fuzz.finding_${i + 1}`, verdict: { kind: 'FAIL', detail: `${f.solid ? '' : 'flaky '}${detail} (reproduced ${f.reproduced})` },
        replay: f.file ? `npx furc replay ${f.file}` : `npx furc fuzz --target ${target} --seed ${f.seed}` };
    }),
  ];
  return makeReport(target, results, fp);
}

/** Replays corpus files: on their target when it can run here, else on the model against the recorded expectation. */
export async function replayCommand(argv: readonly string[], io: Io): Promise<number> {
  const { positionals: args } = parse(REPLAY, argv);
  const files = args.length ? args : readdirSync('fixtures/regressions').filter((f) => f.endsWith('.json')).map((f) => `fixtures/regressions/${f}`);
  const why = KernelTarget.unavailable();
  const k = why ? null : new KernelTarget();
  let fail = 0, ran = 0;
  try {
    await withEnableUring(io.err, async () => {
      for (const f of files) {
        const e = loadEntry(f);
        // A kernel that does not implement the case's revision cannot replay it: say so, as the test suite does.
        const notHere = e.target === 'kernel' && k ? await k.unsupported(e.case.config.revision) : null;
        if (notHere) { io.out(`SKIP(kernel does not implement ${e.case.config.revision}: ${notHere}) ${f}`); continue; }
        const target: Target = e.target === 'kernel' && k ? k : model();
        const o = await runCase(new ModelTarget(MACHINE, (await target.info()).facts ?? {}), target, e.case);
        // Steps after one the model calls scheduler order are not compared: the case is judged up to that step.
        const reached = o.steps.length >= Math.min(e.mustReach, o.unjudged ? o.unjudged.from + 1 : Infinity);
        const ok = o.mismatchAt === null && o.problem === null && reached;
        const modelDrift = e.steps.some((s, i) => o.steps[i] && s.expected.join('\n') !== o.steps[i]!.expected.join('\n'));
        const verdict = ok ? (e.xfail ? `XPASS(${e.xfail.rule}: fixed? ${e.xfail.link})` : 'PASS')
          : e.xfail ? `XFAIL(${e.xfail.rule}, ${e.xfail.link})` : `FAIL(${!reached ? `stopped at step ${o.steps.length} of ${e.mustReach}` : `step ${(o.mismatchAt ?? 0) + 1} differs`})`;
        if (verdict.startsWith('FAIL')) fail++;
        ran++;
        const unjudged = o.unjudged ? ` [steps after ${o.unjudged.from + 1} not compared: ${o.unjudged.why}]` : '';
        io.out(`${verdict} ${f} on ${target.name}${e.target === 'kernel' && !k ? ` (kernel SKIP: ${why})` : ''}${modelDrift ? ' [model now expects something else than when recorded]' : ''}${unjudged}`);
      }
    });
  } finally { k?.dispose(); }
  io.out(`# replay: ${ran} files, ${fail} FAIL`);
  return fail ? 1 : 0;
}

/** A finding as `furc fuzz` prints it: seed, path, and the first step where target `t` and the model differ. */
export function findingText(f: Finding, t: string): string {
  const at = f.outcome.mismatchAt;
  const lines = [`${f.solid ? 'finding' : 'flaky finding'}: seed ${f.seed} path "${f.path}" reproduced ${f.reproduced}${f.file ? ` → ${f.file}` : ''}`];
  if (at !== null) {
    const st = f.outcome.steps[at]!;
    lines.push(`  step ${at + 1} ${st.step}\n    model:  ${st.expected.join('; ') || 'nothing'}\n    ${t}: ${st.observed.join('; ') || 'nothing'}`);
  }
  if (f.outcome.problem) lines.push(`  ${f.outcome.problem.replace(/\n/g, '\n  ')}`);
  return lines.join('\n');
}
