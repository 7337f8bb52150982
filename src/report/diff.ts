// `furc diff`: the behaviour difference between two reports (two kernel builds), with a baseline of expected differences.
import { readFileSync } from 'node:fs';
import type { Fingerprint } from '../kernel/fingerprint.js';
import type { RunReport } from './report.js';
import { caseId } from './report.js';
import { UsageError } from '../../spec/errors.js';

export class ReportError extends UsageError {}

/** Fingerprint fields that name the build rather than say what it does: shown by furc diff, never a failing difference. */
export const IDENTITY_FIELDS: readonly (keyof Fingerprint)[] = ['release'];

/** `identity`: names the build; `expected`: listed by the baseline; `unexpected`: fails the diff. */
export type DiffStatus = 'identity' | 'expected' | 'unexpected';

export interface Difference {
  readonly kind: 'fingerprint' | 'case';
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly status: DiffStatus;
}

/** A baseline lists differences that are expected: by id, optionally with the values on A and B. */
export interface Baseline { readonly expected: readonly { readonly id: string; readonly a?: string; readonly b?: string; readonly why?: string }[] }

export function loadReport(path: string): RunReport {
  let v: unknown;
  try { v = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new ReportError(`${path}: not a readable JSON report (${(e as Error).message.split('\n')[0]})`); }
  const r = v as Partial<RunReport>;
  if (r?.tool !== 'furc' || !Array.isArray(r.results)) throw new ReportError(`${path}: not a furc report (no "tool": "furc" with "results")`);
  return r as RunReport;
}

export function loadBaseline(path: string): Baseline {
  let v: unknown;
  try { v = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new ReportError(`${path}: not a readable JSON baseline (${(e as Error).message.split('\n')[0]})`); }
  const b = v as Partial<Baseline>;
  if (!Array.isArray(b?.expected) || b.expected.some((x) => typeof x?.id !== 'string')) throw new ReportError(`${path}: a baseline is {"expected": [{"id": …}]}`);
  return b as Baseline;
}

export const outcome = (r: RunReport['results'][number]): string => {
  const v = r.verdict;
  if (v.kind === 'SKIP') return `SKIP(${v.reason})`;
  if (v.kind === 'TIMEOUT' || v.kind === 'ERROR') return v.kind;
  return r.observed ?? v.kind;
};

export function diffReports(a: RunReport, b: RunReport, baseline: Baseline = { expected: [] }): Difference[] {
  const status = (id: string, va: string, vb: string): DiffStatus =>
    baseline.expected.some((e) => e.id === id && (e.a === undefined || e.a === va) && (e.b === undefined || e.b === vb)) ? 'expected' : 'unexpected';
  const out: Difference[] = [];
  const fa = (a.fingerprint ?? {}) as Record<string, unknown>, fb = (b.fingerprint ?? {}) as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) {
    const va = JSON.stringify(fa[k] ?? null), vb = JSON.stringify(fb[k] ?? null);
    const id = `fingerprint.${k}`;
    if (va !== vb) out.push({ kind: 'fingerprint', id, a: va, b: vb, status: (IDENTITY_FIELDS as readonly string[]).includes(k) ? 'identity' : status(id, va, vb) });
  }
  const ma = new Map(a.results.map((r) => [caseId(r), outcome(r)])), mb = new Map(b.results.map((r) => [caseId(r), outcome(r)]));
  for (const id of [...new Set([...ma.keys(), ...mb.keys()])]) {
    const va = ma.get(id) ?? '(absent)', vb = mb.get(id) ?? '(absent)';
    if (va !== vb) out.push({ kind: 'case', id, a: va, b: vb, status: status(id, va, vb) });
  }
  return out;
}

/** Case differences grouped by what B shows: "261 cases → SKIP(no FUSE-over-io_uring …)" says more than 261 rows. */
export function groupByB(diffs: readonly Difference[]): { b: string; count: number; fromA: number; unexpected: number }[] {
  const groups = new Map<string, { b: string; count: number; a: Set<string>; unexpected: number }>();
  for (const d of diffs.filter((x) => x.kind === 'case')) {
    const g = groups.get(d.b) ?? { b: d.b, count: 0, a: new Set<string>(), unexpected: 0 };
    g.count++; g.a.add(d.a); if (d.status === 'unexpected') g.unexpected++;
    groups.set(d.b, g);
  }
  return [...groups.values()].sort((x, y) => y.count - x.count).map((g) => ({ b: g.b, count: g.count, fromA: g.a.size, unexpected: g.unexpected }));
}
