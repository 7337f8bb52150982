// What a mutant's guest runs say, next to the unmutated kernel's: killed (and by what), or survived.
import { diffReports } from '../report/diff.js';
import type { RunReport } from '../report/report.js';

/** One guest run of furc (the suite, or the fuzzer): how it ended, what the kernel log said, and its report. */
export interface GuestRun {
  /** furc vm's one line when the guest did not finish (panic, hang, no boot), else null. */
  readonly failure: string | null;
  readonly status: number | null;
  readonly splats: readonly { readonly line: string; readonly during: string | null }[];
  readonly report: RunReport | null;
  readonly seconds: number;
  /** What the run left in its output directory (furc race: one corpus file per finding). */
  readonly files?: readonly string[];
}

/** The suite, the fuzzer and (from the harness that has it) furc race, each in its own guest. */
export interface Evidence { readonly run: GuestRun; readonly fuzz: GuestRun; readonly race?: GuestRun }

export type Outcome =
  | { readonly kind: 'killed'; readonly by: string }
  | { readonly kind: 'survived' }
  | { readonly kind: 'build-failure'; readonly error: string }
  | { readonly kind: 'skip'; readonly why: string };

/** A splat without what changes between boots: CPU and PID numbers, addresses, timestamps. */
export const splatKey = (line: string) => line.replace(/CPU: \d+ PID: \d+/g, 'CPU PID').replace(/0x[0-9a-f]+/g, '0x').replace(/\b[0-9a-f]{8,16}\b/g, 'X').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '');

const findings = (r: RunReport | null) => (r?.results ?? []).filter((x) => x.rule.startsWith('fuzz.finding_') && x.verdict.kind === 'FAIL' && !x.verdict.detail.startsWith('flaky '))
  .map((x) => (x.verdict.kind === 'FAIL' ? x.verdict.detail.replace(/ \(reproduced \d+\)$/, '') : ''));

/**
 * The first thing that tells the mutant apart from every baseline run: a guest that did not finish, a new splat,
 * a case whose outcome differs, a fingerprint probe that answers otherwise (what already differs between baseline runs
 * is ignored), or a new fuzz finding.
 */
export function classify(baselines: readonly Evidence[], m: Evidence): Outcome {
  const known = new Set(baselines.flatMap((b) => [...b.run.splats, ...b.fuzz.splats, ...(b.race?.splats ?? [])].map((s) => splatKey(s.line))));
  for (const [what, g] of [['suite', m.run], ['fuzz', m.fuzz]] as const) {
    if (g.failure) return { kind: 'killed', by: `${what} guest: ${g.failure}` };
    const s = g.splats.find((x) => !known.has(splatKey(x.line)));
    if (s) return { kind: 'killed', by: `splat: ${s.line}${s.during ? ` (during ${s.during})` : ''}` };
    if (!g.report) return { kind: 'killed', by: `${what}: furc exited ${g.status ?? '?'} without a report` };
  }
  const b0 = baselines[0]!.run.report!;
  const unstable = new Set(baselines.slice(1).flatMap((b) => diffReports(b0, b.run.report!).map((d) => d.id)));
  const moved = diffReports(b0, m.run.report!).filter((d) => d.status !== 'identity' && !unstable.has(d.id));
  // A case first; else the fingerprint, whose probes (cmd_ops answers, offered flags) furc diff also reports.
  const cases = moved.filter((d) => d.kind === 'case'), fp = moved.filter((d) => d.kind === 'fingerprint');
  if (cases.length) {
    const d = cases[0]!;
    return { kind: 'killed', by: `case ${d.id}: ${d.a} → ${d.b}${cases.length > 1 ? ` (and ${cases.length - 1} more)` : ''}` };
  }
  if (fp.length) return { kind: 'killed', by: `${fp[0]!.id}: ${fp[0]!.a} → ${fp[0]!.b}` };
  const seen = new Set(baselines.flatMap((b) => findings(b.fuzz.report)));
  const f = findings(m.fuzz.report).find((x) => !seen.has(x));
  if (f) return { kind: 'killed', by: `fuzz: ${f}` };
  return m.race ? raceOutcome(baselines, m.race, known) : { kind: 'survived' };
}

/** furc race in its guest: a hang, a new splat, or a finding (exit 1) that no baseline race had. */
function raceOutcome(baselines: readonly Evidence[], r: GuestRun, known: ReadonlySet<string>): Outcome {
  if (r.failure) return { kind: 'killed', by: `race guest: ${r.failure}` };
  const s = r.splats.find((x) => !known.has(splatKey(x.line)));
  if (s) return { kind: 'killed', by: `splat: ${s.line}${s.during ? ` (during ${s.during})` : ''}` };
  // Exit 1 is a finding or something left behind; a baseline that also failed makes that say nothing.
  if (r.status === 1 && baselines.every((b) => b.race?.status === 0)) {
    return { kind: 'killed', by: `race: ${r.files?.length ? r.files.join(', ') : 'exit 1 (left something behind)'}` };
  }
  return { kind: 'survived' };
}
