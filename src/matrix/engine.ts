// furc matrix's engine: this shard's builds, at most `jobs` at once, each one record (an ERROR row when it could not run).
import { hostname } from 'node:os';
import { loadReport } from '../report/diff.js';
import type { RunReport } from '../report/report.js';
import { showShard, shardItems, type Shard } from '../shard.js';
import { buildCells } from './cells.js';
import { layoutCell } from './layoutCheck.js';
import type { PlanItem, Prepared } from './plan.js';
import { mapLimit } from './pool.js';
import type { BuildRecord, Cell, MatrixReport, Plan, RunInfo } from './report.js';
import { timeline } from './timeline.js';

/** What a runner brings back from one build: the suite report, or why there is none. */
export interface GuestOutcome {
  readonly suite: RunReport | null;
  readonly fuzz: { readonly row: string; readonly cell: Cell } | null;
  readonly error: string | null;
  readonly bootS: number | null;
}

/** Runs one prepared build (in a guest, or anything a test injects). */
export type Runner = (item: PlanItem, prepared: Prepared) => Promise<GuestOutcome>;

export interface MatrixOptions {
  readonly plan: Plan;
  /** Every build of the plan, in plan order; the shard picks its own. */
  readonly items: readonly PlanItem[];
  readonly shard: Shard;
  readonly jobs: number;
  readonly runner: Runner;
  readonly accel: string;
  readonly note: (s: string) => void;
  /** Called as each build finishes, for a live line. */
  readonly onBuild?: (b: BuildRecord, seconds: number) => void;
}

const recorded = (p: Prepared): GuestOutcome => ({ suite: loadReport(p.report!), fuzz: null, error: null, bootS: null });

export async function runMatrix(o: MatrixOptions): Promise<MatrixReport> {
  const t0 = Date.now();
  const mine = shardItems(o.items, o.shard);
  const timing = new Map<string, { seconds: number; bootS: number | null }>();
  const builds = await mapLimit(mine, o.jobs, async (item): Promise<BuildRecord> => {
    const s0 = Date.now();
    let provenance: readonly string[] = [];
    let rec: BuildRecord;
    try {
      const p = await item.prepare(o.note);
      provenance = p.provenance;
      const g = p.report ? recorded(p) : await o.runner(item, p);
      timing.set(item.label, { seconds: 0, bootS: g.bootS });
      const fp = g.suite?.fingerprint ?? null;
      const layout = g.suite ? await layoutCell(p.header, p.noHeader, fp?.revision ?? null) : null;
      rec = {
        label: item.label, source: item.source, provenance, release: fp?.release ?? null, revision: fp?.revision ?? null,
        error: g.suite ? null : g.error ?? 'the guest brought back no suite report', cells: g.suite ? buildCells(g.suite, layout!, g.fuzz) : {},
      };
    } catch (e) {
      // A build that cannot be fetched or started is one ERROR row, like a guest that dies.
      rec = { label: item.label, source: item.source, provenance, release: null, revision: null, error: (e as Error).message.split('\n')[0]!, cells: {} };
    }
    const seconds = Math.round((Date.now() - s0) / 100) / 10;
    timing.set(item.label, { seconds, bootS: timing.get(item.label)?.bootS ?? null });
    o.onBuild?.(rec, seconds);
    return rec;
  });
  const run: RunInfo = { shard: showShard(o.shard), host: hostname(), startedAt: new Date(t0).toISOString(), seconds: Math.round((Date.now() - t0) / 1000), accel: o.accel, jobs: o.jobs,
    builds: Object.fromEntries(mine.map((i) => [i.label, timing.get(i.label)!])) };
  return { tool: 'furc', kind: 'matrix', version: 1, plan: o.plan, builds, timeline: timeline(builds, o.plan.baseline), runs: [run] };
}
