// The timeline: for every row, each change between consecutive builds that ran it, and the pair of builds to bisect.
import { expectedBy, type MatrixBaseline } from './baseline.js';
import type { BuildRecord } from './report.js';

export interface Change {
  readonly id: string;
  /** The last build with the old outcome and the first with the new one: bisect between them. */
  readonly from: string;
  readonly to: string;
  readonly a: string;
  readonly b: string;
  readonly expected: boolean;
  readonly why?: string;
}

export interface TimelineRow {
  readonly id: string;
  /** The first build where the row's outcome changed, or null when it never did. */
  readonly firstChange: string | null;
  readonly changes: readonly Change[];
}

export interface Timeline {
  readonly rows: readonly TimelineRow[];
  readonly changes: number;
  readonly unexpected: number;
  /** Builds without results (guest died, hung, or could not be fetched), by label. */
  readonly errors: readonly string[];
}

/** Rows in the order they first appear; a build that did not run a row is skipped, not compared. */
export function timeline(builds: readonly BuildRecord[], baseline: MatrixBaseline): Timeline {
  const ids = [...new Set(builds.flatMap((b) => Object.keys(b.cells)))];
  const rows = ids.map((id): TimelineRow => {
    const changes: Change[] = [];
    let last: { label: string; outcome: string } | null = null;
    for (const b of builds) {
      const c = b.cells[id];
      if (!c) continue;
      if (last && last.outcome !== c.outcome) {
        const e = expectedBy(baseline, id, last.outcome, c.outcome, b.label);
        changes.push({ id, from: last.label, to: b.label, a: last.outcome, b: c.outcome, expected: e !== undefined, ...(e?.why ? { why: e.why } : {}) });
      }
      last = { label: b.label, outcome: c.outcome };
    }
    return { id, firstChange: changes[0]?.to ?? null, changes };
  });
  const all = rows.flatMap((r) => r.changes);
  return { rows, changes: all.length, unexpected: all.filter((c) => !c.expected).length, errors: builds.filter((b) => b.error !== null).map((b) => b.label) };
}
