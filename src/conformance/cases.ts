// Conformance cases derived from the spec: per family, its baseline and each rule row broken alone, with the golden outcome.
import { match } from 'ts-pattern';
import { errnoName } from '../../spec/errno.js';
import { revision } from '../../spec/revisions.js';
import type { Check, KnownDifference, Scenario } from '../../spec/rules/types.js';
import { families, type Family } from '../../spec/scenarios/families.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import type { ProbeOutcome } from '../target/runScenario.js';
import { golden, type GoldenRow } from './golden.js';

/** Rows of a family in kernel order (common first) that it can break. */
export function orderedChecks(fam: Family): Check[] {
  const rev = revision(fam.baseline.config.revision);
  const rows = [...(fam.observe === 'client' ? [] : rev.tables.common!.rows), ...rev.tables[fam.table]!.rows];
  return rows.filter((r): r is Check => r.kind === 'check' && fam.rows.includes(r.id) && r.violate !== undefined);
}

/** Applies violations last-row-first, so each earlier row's violation is the one that stands. */
export function breakRows(fam: Family, rows: readonly Check[]): Scenario {
  return [...rows].reverse().reduce((s, r) => r.violate!(s), fam.baseline);
}

/** The golden outcome when `first` is the first broken row, by the revision's golden file (or the rows given). */
export function expectedOutcome(fam: Family, first: Check, table: readonly GoldenRow[] = golden(fam.baseline.config.revision)): ProbeOutcome {
  const rev = fam.baseline.config.revision;
  const g = table.find((x) => x.id === first.id);
  if (!g) throw new Error(`rule ${first.id} is missing from fixtures/golden/rules.${rev}.txt`);
  if (g.errno === 'blocked') return { kind: 'blocked', res: revision(rev).interruptedRes };
  const res = g.errno === 'reply' ? (breakRows(fam, [first]).probe.reply?.error ?? 0) : g.errno;
  return fam.observe === 'client' ? { kind: 'client', res } : { kind: 'cqe', res };
}

export function validOutcome(fam: Family): ProbeOutcome {
  return fam.valid === 'held' ? { kind: 'held' } : fam.observe === 'client' ? { kind: 'client', res: 0 } : { kind: 'cqe', res: 0 };
}

export const showOutcome = (o: ProbeOutcome): string => match(o)
  .with({ kind: 'held' }, () => 'held')
  .with({ kind: 'blocked' }, (b) => `blocked, then ${b.res === null ? 'no cqe' : `cqe ${errnoName(b.res)}`}`)
  .with({ kind: 'cqe' }, { kind: 'client' }, (x) => `${x.kind} ${errnoName(x.res)}`)
  .exhaustive();

export const compatible = (rows: readonly Check[]): boolean =>
  rows.every((r) => !(r.excludes ?? []).some((x) => rows.some((o) => o.id === x)));

/** One rule case of the suite: a family's baseline, or it with one row broken, and the outcome the golden file wants. */
export interface RuleCase {
  readonly family: Family;
  /** "<table>.baseline", or the broken row's id. */
  readonly rule: string;
  readonly scenario: Scenario;
  readonly want: ProbeOutcome;
  /** Kernels known to answer the broken row otherwise. */
  readonly known: readonly KnownDifference[];
}

/**
 * The suite's rule cases of a revision, family by family: each baseline, then each row it can break, in table order;
 * `facts`: the kernel's measured facts, which bring the rows that exist by them.
 */
export function ruleCases(rev: RevisionId, nrCpus: number, table: readonly GoldenRow[] = golden(rev), facts: AssumptionValues = {}): RuleCase[] {
  return families(rev, nrCpus, facts).flatMap((fam) => [
    { family: fam, rule: `${fam.table}.baseline`, scenario: fam.baseline, want: validOutcome(fam), known: [] },
    ...orderedChecks(fam).map((row) => ({ family: fam, rule: row.id, scenario: breakRows(fam, [row]), want: expectedOutcome(fam, row, table), known: row.known ?? [] })),
  ]);
}
