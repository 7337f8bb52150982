// Coverage of a fuzz run: which rows of the revision's tables the model saw fire (a failing check, an applied effect
// row) and which requests went through the ring (data-plane effects), in cases the target agreed on, out of those a
// userspace sequence can reach.
import { OP_IN } from '../spec/fs/fs.js';
import { ringEffect } from '../spec/model/conn.js';
import { revision, type TableId } from '../spec/revisions.js';
import { FUSE_OPCODE } from '../spec/uapi/fuse_kernel.js';
import type { Row } from '../spec/rules/types.js';
import type { AssumptionValues, RevisionId } from '../spec/types.js';

export interface CoverageReport {
  readonly hit: number;
  readonly reachable: number;
  /** Reachable rows never hit, in table order. */
  readonly never: readonly string[];
  /** Ring effects: request opcodes the spec's filesystem answers that went through the ring, out of all of them. */
  readonly effects: { readonly hit: number; readonly reachable: number; readonly never: readonly string[] };
  /** Rows left out of `reachable`, each with why. */
  readonly unreachable: readonly { readonly id: string; readonly why: string }[];
}

/** Every row of a revision in table order, with why it cannot be reached when it cannot. */
export function rowsOf(rev: RevisionId, overrides: AssumptionValues = {}): { id: string; why: string | null }[] {
  const r = revision(rev, overrides);
  return (Object.keys(r.tables) as TableId[]).flatMap((t) => r.tables[t]!.rows.map((row: Row) => ({
    id: row.id, why: row.kind === 'check' && row.unreachable ? row.unreachable.reason
      : row.kind === 'check' && row.fact && r.a[row.fact] === 0n ? `exists only on kernels with ${row.fact} 1 (this one: 0)` : null,
  })));
}

/** Requests a server of the spec's filesystem answers over the ring: LOOKUP and every opcode with an op_in. */
export const RING_EFFECTS: readonly string[] = [FUSE_OPCODE.FUSE_LOOKUP, ...Object.keys(OP_IN).map(Number)].map((o) => ringEffect(Number(o)));

export class Coverage {
  /** Times each row or effect fired, over the agreeing cases so far. */
  readonly counts = new Map<string, number>();
  private readonly rows: { id: string; why: string | null }[];

  constructor(rev: RevisionId, overrides: AssumptionValues = {}) { this.rows = rowsOf(rev, overrides); }

  add(fired: readonly string[]): string[] {
    const fresh: string[] = [];
    for (const id of new Set(fired)) {
      const n = this.counts.get(id) ?? 0;
      if (n === 0) fresh.push(id);
      this.counts.set(id, n + 1);
    }
    return fresh;
  }

  /** Reachable rows with how often each fired (0: never). */
  reachable(): { id: string; n: number }[] {
    return this.rows.filter((r) => r.why === null).map((r) => ({ id: r.id, n: this.counts.get(r.id) ?? 0 }));
  }

  report(): CoverageReport {
    const reach = this.reachable();
    const eff = RING_EFFECTS.map((id) => ({ id, n: this.counts.get(id) ?? 0 }));
    return {
      hit: reach.filter((r) => r.n > 0).length, reachable: reach.length, never: reach.filter((r) => r.n === 0).map((r) => r.id),
      effects: { hit: eff.filter((r) => r.n > 0).length, reachable: eff.length, never: eff.filter((r) => r.n === 0).map((r) => r.id) },
      unreachable: this.rows.filter((r) => r.why !== null).map((r) => ({ id: r.id, why: r.why! })),
    };
  }

  /** Merges another run's counts (--jobs). */
  merge(o: Coverage): void { for (const [id, n] of o.counts) this.counts.set(id, (this.counts.get(id) ?? 0) + n); }
}
