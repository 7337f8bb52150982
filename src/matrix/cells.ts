// A build's rows: fingerprint fields, the header check, every suite case and the fuzz run, each one comparable cell.
import type { CaseResult } from '../conformance/verdict.js';
import { outcome } from '../report/diff.js';
import { caseId, type RunReport } from '../report/report.js';
import type { Cell } from './report.js';

/** Fingerprint fields that describe behaviour; release and evidence texts differ by construction. */
const FINGERPRINT = ['revision', 'fuse_minor', 'init_flags_offered', 'cmd_ops', 'enforced_max_payload_sz'] as const;

export const LAYOUT_ROW = 'layout/fuse.h';
export const fuzzRow = (seed: number) => `fuzz/seed_${seed}`;

/** A SKIP compares as SKIP: its reason says why the harness could not run the case, not what the kernel did. */
function caseCell(r: CaseResult): Cell {
  const v = r.verdict;
  const detail = v.kind === 'PASS' ? undefined : v.kind === 'SKIP' ? v.reason : v.kind === 'XFAIL' ? `${v.rule} ${v.link}` : v.detail;
  return { verdict: v.kind, outcome: v.kind === 'SKIP' ? 'SKIP' : outcome(r), ...(detail ? { detail } : {}) };
}

/** Fingerprint rows first, then the header check, the suite's cases, and the fuzz row. */
export function buildCells(suite: RunReport, layout: Cell, fuzz: { row: string; cell: Cell } | null): Record<string, Cell> {
  const fp = (suite.fingerprint ?? {}) as unknown as Record<string, unknown>;
  const cells: Record<string, Cell> = {};
  for (const k of FINGERPRINT) if (k in fp) cells[`fingerprint.${k}`] = { verdict: 'INFO', outcome: typeof fp[k] === 'object' ? JSON.stringify(fp[k]) : String(fp[k]) };
  cells[LAYOUT_ROW] = layout;
  for (const r of suite.results) cells[caseId(r)] = caseCell(r);
  if (fuzz) cells[fuzz.row] = fuzz.cell;
  return cells;
}

/** The fuzz row from `furc fuzz --format json`: its first case is the run, the others its findings. */
export function fuzzCell(rep: RunReport): Cell {
  const [run, ...findings] = rep.results;
  if (!run) return { verdict: 'ERROR', outcome: 'ERROR', detail: 'the fuzz report has no results' };
  if (run.verdict.kind === 'PASS') return { verdict: 'PASS', outcome: 'PASS', detail: run.observed ?? '' };
  const lines = findings.map((f) => (f.verdict.kind === 'FAIL' ? f.verdict.detail : f.verdict.kind) + ` (replay: ${f.replay})`);
  return { verdict: run.verdict.kind, outcome: `${run.verdict.kind}(${findings.length} findings)`, detail: lines.join('\n') };
}
