// `furc kmutants`: each kernel mutant built incrementally, booted, run through the suite and a fixed-seed fuzz, and classified.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BuildFailure, buildImage, parsePatches, type Base, type PatchInput } from '../kbuild/build.js';
import { CACHE, dirs } from '../kbuild/cache.js';
import type { DebugKind } from '../kbuild/fragments.js';
import { applySeries } from '../kbuild/patch.js';
import { writeNew } from '../kbuild/tree.js';
import { ROOT } from '../paths.js';
import type { RunReport } from '../report/report.js';
import { runVm } from '../vm/vm.js';
import type { Accel } from '../vm/qemu.js';
import { classify, type Evidence, type GuestRun, type Outcome } from './classify.js';
import type { KMutant } from './list.js';
import { renderMutant } from './mutant.js';

export interface KmutantsOptions {
  readonly base: Base;
  readonly patches: readonly PatchInput[];
  readonly debug: readonly DebugKind[];
  readonly mutants: readonly KMutant[];
  readonly jobs: number;
  readonly buildJobs: number;
  readonly seed: number;
  readonly fuzzRuns: number;
  readonly fuzzSeconds: number;
  /** furc race's time bound per guest (0: no race guest). */
  readonly raceSeconds: number;
  /** Per guest; null: three times the slowest baseline guest, within 4..30 min. */
  readonly guestTimeoutS: number | null;
  readonly accel: Accel | 'auto';
  readonly say: (s: string) => void;
}

export interface MutantResult {
  readonly id: string;
  readonly kind: string;
  readonly reason: string;
  readonly outcome: Outcome;
  readonly patch: string | null;
  /** Seconds spent building, and in the two guests; 0 when the result came from the cache. */
  readonly buildS: number;
  readonly guestS: number;
  readonly cached: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The harness's version: the last commit of the code that makes up the harness (a README or test edit does not count) plus
 * a hash of dist/ and the native addon, which is what actually runs in the guest. Results are reused only for the same version.
 */
export function harnessVersion(): string {
  let head = 'no-git';
  try { head = execFileSync('git', ['-C', ROOT, 'log', '-1', '--format=%h', '--', 'spec', 'src', 'fuzz', 'native-probe', 'package.json', ':(exclude)*.test.ts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* not a checkout */ }
  const h = createHash('sha256');
  const add = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = `${dir}/${d.name}`;
      if (d.isDirectory()) add(p); else if (d.isFile() && !d.name.endsWith('.test.js')) h.update(`${p}\0`).update(readFileSync(p));
    }
  };
  add(`${ROOT}dist`);
  add(`${ROOT}build/Release`);
  return `${head || 'no-git'}+${h.digest('hex').slice(0, 12)}`;
}

async function guest(image: string, furcArgs: string[], report: string, o: KmutantsOptions, timeoutS: number): Promise<GuestRun> {
  const cwd = mkdtempSync(`${tmpdir()}/furc-kmut-`);
  const t0 = Date.now();
  try {
    const r = await runVm({ kernel: image, timeoutS, memM: o.debug.includes('kasan') ? 2048 : 1024, accel: o.accel, furcArgs: [...furcArgs, report], cwd, note: () => {} });
    let rep: RunReport | null = null;
    try { rep = JSON.parse(readFileSync(`${cwd}/${report}`, 'utf8')); } catch { /* no report */ }
    let files: string[] = [];
    try { files = readdirSync(`${cwd}/${report}`).filter((f) => f.endsWith('.json')).sort(); } catch { /* not a directory */ }
    return { failure: r.failure, status: r.status, splats: r.splats, report: rep, seconds: (Date.now() - t0) / 1000, ...(files.length ? { files } : {}) };
  } finally { rmSync(cwd, { recursive: true, force: true }); }
}

async function evidence(image: string, o: KmutantsOptions, timeoutS: number): Promise<Evidence> {
  const run = await guest(image, ['run', '--target', 'kernel', '--format', 'json', '--out'], 'run.json', o, timeoutS);
  const fuzz = await guest(image, ['fuzz', '--target', 'kernel', '--seed', String(o.seed), '--runs', String(o.fuzzRuns), '--time', String(o.fuzzSeconds), '--format', 'json', '--report'], 'fuzz.json', o, timeoutS);
  if (o.raceSeconds === 0) return { run, fuzz };
  const race = await guest(image, ['race', '--target', 'kernel', '--seed', String(o.seed), '--time', String(o.raceSeconds), '--out'], 'race', o, timeoutS);
  return { run, fuzz, race };
}

/** A small counting semaphore for the guests that run side by side. */
function pool(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    async take() { if (free > 0) { free--; return; } await new Promise<void>((r) => waiting.push(r)); },
    give() { const w = waiting.shift(); if (w) w(); else free++; },
  };
}

export async function runKmutants(o: KmutantsOptions): Promise<{ results: MutantResult[]; harness: string; baselineS: number }> {
  const harness = harnessVersion();
  const build = (extra: PatchInput[]) => buildImage(o.base, { patches: [...o.patches, ...extra], debug: o.debug, jobs: o.buildJobs, say: () => {} });
  const t0 = Date.now();
  const baseImg = await build([]);
  // The unmutated image's path is a hash of its source, patches, config and toolchain: all of it is in every key.
  const key = (what: string) => sha([harness, baseImg.image, o.seed, o.fuzzRuns, o.fuzzSeconds, o.raceSeconds, what].join('\n'));
  const store = `${dirs(CACHE).results}`;
  mkdirSync(store, { recursive: true });
  const load = <T>(k: string): T | null => { try { return JSON.parse(readFileSync(`${store}/${k}.json`, 'utf8')); } catch { return null; } };
  const save = (k: string, v: unknown) => writeNew(`${store}/${k}.json`, JSON.stringify(v) + '\n');

  // Two runs of the unmutated kernel: cases whose outcome differs between them say nothing about a mutant.
  const baselines: Evidence[] = [];
  for (const n of [1, 2]) {
    const k = key(`baseline-${n}`);
    let ev = load<Evidence>(k);
    if (!ev) {
      o.say(`baseline run ${n}/2 on ${baseImg.release}`);
      ev = await evidence(baseImg.image, o, o.guestTimeoutS ?? 1800);
      if (ev.run.failure || !ev.run.report) throw new Error(`the unmutated kernel did not run the suite: ${ev.run.failure ?? `furc exited ${ev.run.status}`}`);
      save(k, ev);
    }
    baselines.push(ev);
  }
  const baselineS = (Date.now() - t0) / 1000;
  // A mutant that hangs is killed once its guest takes three times as long as the slowest unmutated one.
  const timeoutS = o.guestTimeoutS ?? Math.round(Math.min(1800, Math.max(240, 3 * Math.max(...baselines.flatMap((b) => [b.run.seconds, b.fuzz.seconds, b.race?.seconds ?? 0])))));
  o.say(`guest timeout ${timeoutS} s`);

  const patched = applySeries(parsePatches(o.patches), (p) => { try { return readFileSync(`${o.base.tree}/${p}`, 'utf8'); } catch { return null; } });
  const text = (f: string) => (patched.has(f) ? patched.get(f)! : (() => { try { return readFileSync(`${o.base.tree}/${f}`, 'utf8'); } catch { return null; } })());
  const results: MutantResult[] = [];
  const guests = pool(o.jobs);
  const running: Promise<void>[] = [];
  for (const [i, m] of o.mutants.entries()) {
    const tag = `[${i + 1}/${o.mutants.length}] ${m.id}`;
    const r = renderMutant(m, text(m.file));
    const base = { id: m.id, kind: m.kind, reason: m.reason, patch: r.kind === 'patch' ? r.patch : null };
    if (r.kind === 'skip') { results.push({ ...base, outcome: { kind: 'skip', why: r.why }, buildS: 0, guestS: 0, cached: false }); o.say(`${tag}: SKIP ${r.why}`); continue; }
    const k = key(`mutant:${m.id}:${sha(r.patch)}`);
    const hit = load<MutantResult>(k);
    if (hit) { results.push({ ...hit, cached: true }); o.say(`${tag}: ${show(hit.outcome)} (cached)`); continue; }
    const tb = Date.now();
    let img;
    try { img = await build([{ name: `kmutant ${m.id}`, text: r.patch }]); } catch (e) {
      if (!(e instanceof BuildFailure)) throw e;
      const res: MutantResult = { ...base, outcome: { kind: 'build-failure', error: e.message }, buildS: (Date.now() - tb) / 1000, guestS: 0, cached: false };
      save(k, res); results.push(res); o.say(`${tag}: ${show(res.outcome)}`);
      continue;
    }
    const buildS = (Date.now() - tb) / 1000;
    await guests.take();
    const job = (async () => {
      try {
        const tg = Date.now();
        const outcome = classify(baselines, await evidence(img.image, o, timeoutS));
        const res: MutantResult = { ...base, outcome, buildS, guestS: (Date.now() - tg) / 1000, cached: false };
        save(k, res); results.push(res);
        o.say(`${tag}: ${show(outcome)} (build ${buildS.toFixed(0)} s, guests ${res.guestS.toFixed(0)} s)`);
      } finally { guests.give(); }
    })();
    if (o.jobs === 1) await job; else running.push(job);
  }
  await Promise.all(running);
  const order = new Map(o.mutants.map((m, i) => [m.id, i]));
  results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { results, harness, baselineS };
}

export const show = (x: Outcome) => (x.kind === 'killed' ? `killed by ${x.by}` : x.kind === 'survived' ? 'SURVIVED' : x.kind === 'skip' ? `SKIP ${x.why}` : `build failure: ${x.error}`);

/** Kernel mutation score: killed over killed plus survived (build failures and skips say nothing about the harness). */
export function score(rs: readonly MutantResult[]) {
  const n = (k: Outcome['kind']) => rs.filter((r) => r.outcome.kind === k).length;
  const killed = n('killed'), survived = n('survived');
  return { killed, survived, buildFailures: n('build-failure'), skipped: n('skip'), score: killed + survived ? killed / (killed + survived) : 0 };
}
