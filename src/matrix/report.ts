// The matrix report: each build's outcomes per row, the timeline derived from them, and how the run went.
import { readFileSync } from 'node:fs';
import { UsageError } from '../../spec/errors.js';
import type { Verdict } from '../conformance/verdict.js';
import type { MatrixBaseline } from './baseline.js';
import type { Timeline } from './timeline.js';

/** One row of one build: the verdict, and the behaviour compared between builds (`cqe -EPERM`, `R8`, `PASS`). */
export interface Cell {
  readonly verdict: Verdict['kind'] | 'INFO';
  readonly outcome: string;
  readonly detail?: string;
}

export interface BuildRecord {
  /** The column's name: the Debian upstream version or the label in a kernels file. */
  readonly label: string;
  /** Where it came from, one line (`debian trixie-backports 7.1.7-1~bpo13+1`, `kernels.txt:3`). */
  readonly source: string;
  readonly provenance: readonly string[];
  readonly release: string | null;
  readonly revision: string | null;
  /** null when furc ran in the guest; else the one line saying why this build has no results (the ERROR row). */
  readonly error: string | null;
  readonly cells: Readonly<Record<string, Cell>>;
}

/** What was asked for, identical in every shard of one matrix: merge refuses shards whose plans differ. */
export interface Plan {
  /** Every build of the matrix in timeline order, across all shards. */
  readonly builds: readonly string[];
  readonly lists: readonly string[];
  readonly seed: number;
  readonly fuzzRuns: number;
  /** The expected changes the timeline was judged by. */
  readonly baseline: MatrixBaseline;
}

/** One process's part: which shard, where, how long; the timeline never depends on it. */
export interface RunInfo {
  readonly shard: string;
  readonly host: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly accel: string;
  readonly jobs: number;
  readonly builds: Readonly<Record<string, { readonly seconds: number; readonly bootS: number | null }>>;
}

export interface MatrixReport {
  readonly tool: 'furc';
  readonly kind: 'matrix';
  readonly version: 1;
  readonly plan: Plan;
  /** The builds this report ran (all of them once merged), in plan order. */
  readonly builds: readonly BuildRecord[];
  readonly timeline: Timeline;
  readonly runs: readonly RunInfo[];
}

export class MatrixReportError extends UsageError {}

export function loadMatrixReport(path: string): MatrixReport {
  let v: Partial<MatrixReport>;
  try { v = JSON.parse(readFileSync(path, 'utf8')) as Partial<MatrixReport>; } catch (e) { throw new MatrixReportError(`${path}: not a readable JSON matrix report (${(e as Error).message.split('\n')[0]})`); }
  if (v?.tool !== 'furc' || v.kind !== 'matrix' || !Array.isArray(v.builds) || !v.plan || !Array.isArray(v.runs)) throw new MatrixReportError(`${path}: not a furc matrix report (no "kind": "matrix" with plan, builds and runs)`);
  return v as MatrixReport;
}
