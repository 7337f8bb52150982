// The runner furc matrix uses: one furc vm guest per build running matrix-guest, its files read back, logs and findings kept.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logText } from '../cli/vm.js';
import { loadReport, ReportError } from '../report/diff.js';
import type { RunReport } from '../report/report.js';
import { ImageError } from '../vm/image.js';
import { ModulesError } from '../vm/modules.js';
import type { Accel } from '../vm/qemu.js';
import { VmError } from '../vm/tools.js';
import { runVm, type VmResult } from '../vm/vm.js';
import { fuzzCell, fuzzRow } from './cells.js';
import type { GuestOutcome, Runner } from './engine.js';
import { GUEST_FILES, type Step } from './guest.js';
import type { Cell } from './report.js';

export interface VmRunnerOptions {
  readonly seed: number;
  readonly fuzzRuns: number;
  readonly fuzzSeconds: number;
  readonly timeoutS: number;
  readonly memM: number;
  readonly accel: Accel;
  /** Where guest logs (logs/<label>.log) and fuzz findings (corpus/) go; null keeps nothing. */
  readonly outDir: string | null;
}

const lastLine = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').pop() ?? '' : '');
const tryReport = (f: string): RunReport | null => { try { return existsSync(f) ? loadReport(f) : null; } catch (e) { if (e instanceof ReportError) return null; throw e; } };

function fuzzOf(dir: string, steps: readonly Step[], vm: VmResult): Cell {
  const s = steps.find((x) => x.name === 'fuzz');
  if (s?.skipped) return { verdict: 'SKIP', outcome: 'SKIP(no revision)', detail: s.skipped };
  const rep = tryReport(join(dir, GUEST_FILES.fuzz));
  if (rep) return fuzzCell(rep);
  if (s?.status === 4) return { verdict: 'SKIP', outcome: 'SKIP(kernel)', detail: lastLine(join(dir, 'fuzz.err')) };
  const why = vm.failure ?? (s ? `furc fuzz exited ${s.status}: ${lastLine(join(dir, 'fuzz.err'))}` : 'the guest never started the fuzz step');
  return { verdict: 'ERROR', outcome: 'ERROR', detail: why };
}

/** Copies what the guest left worth keeping; the per-build directory itself is always removed. */
function keep(dir: string, label: string, out: string | null, log: string): void {
  if (!out) return;
  mkdirSync(join(out, 'logs'), { recursive: true });
  const steps = ['suite', 'fuzz'].flatMap((n) => ['out', 'err'].filter((e) => existsSync(join(dir, `${n}.${e}`))).map((e) => `# ---- guest ${n}.${e} ----\n${readFileSync(join(dir, `${n}.${e}`), 'utf8')}`));
  writeFileSync(join(out, 'logs', `${label}.log`), [log, ...steps].join('\n'));
  const corpus = join(dir, GUEST_FILES.corpus);
  if (!existsSync(corpus)) return;
  mkdirSync(join(out, 'corpus'), { recursive: true });
  for (const f of readdirSync(corpus)) copyFileSync(join(corpus, f), join(out, 'corpus', f));
}

export function vmRunner(o: VmRunnerOptions): { readonly run: Runner; readonly dispose: () => void } {
  const root = mkdtempSync(`${tmpdir()}/furc-matrix-`);
  const argv = ['matrix-guest', '--seed', String(o.seed), '--fuzz-runs', String(o.fuzzRuns), '--fuzz-time', String(o.fuzzSeconds)];
  const run: Runner = async (item, p): Promise<GuestOutcome> => {
    if (!p.kernel) return { suite: null, fuzz: null, error: `${item.label}: no kernel image to boot`, bootS: null };
    const dir = mkdtempSync(join(root, `${item.label}-`));
    const notes: string[] = [];
    try {
      let vm: VmResult;
      try {
        vm = await runVm({ kernel: p.kernel, ...(p.modules ? { modules: p.modules } : {}), timeoutS: o.timeoutS, memM: o.memM, accel: o.accel, furcArgs: argv, cwd: dir, note: (s) => notes.push(s) });
      } catch (e) {
        if (e instanceof VmError || e instanceof ImageError || e instanceof ModulesError) return { suite: null, fuzz: null, error: e.message, bootS: null };
        throw e;
      }
      keep(dir, item.label, o.outDir, [...notes.map((n) => `# ${n}`), logText(vm, ['--kernel', p.kernel, '--', ...argv])].join('\n'));
      const steps = existsSync(join(dir, GUEST_FILES.steps)) ? JSON.parse(readFileSync(join(dir, GUEST_FILES.steps), 'utf8')) as Step[] : [];
      const suite = tryReport(join(dir, GUEST_FILES.suite));
      const bootS = vm.run.bootMs === null ? null : Math.round(vm.run.bootMs / 100) / 10;
      if (!suite) return { suite: null, fuzz: null, bootS, error: vm.failure ?? `furc run exited ${steps[0]?.status ?? vm.status} in the guest without a report: ${lastLine(join(dir, 'suite.err')) || '(no output)'}` };
      return { suite, fuzz: o.fuzzRuns > 0 ? { row: fuzzRow(o.seed), cell: fuzzOf(dir, steps, vm) } : null, error: null, bootS };
    } finally { rmSync(dir, { recursive: true, force: true }); }
  };
  return { run, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
