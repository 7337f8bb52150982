// Families: a revision's valid baselines (Revision.baselines), each with the rule rows it can break, found in the rule
// tables: a row belongs to a family when its `violate` on the family's baseline makes that row the first to fail.
import type { ConnConfig } from '../conn/commands.js';
import { ConnModel } from '../model/conn.js';
import { maxPayloadSz } from '../rules/payload.js';
import { probeCommand, URING_INIT_FLAGS } from '../rules/scenario.js';
import type { Check, Scenario, TableId } from '../rules/types.js';
import { definition, revision, type Revision, type RevisionDefinition } from '../revisions.js';
import type { AssumptionValues, RevisionId } from '../types.js';
import type { Baseline } from './baselines.js';

export { registerSqe } from './baselines.js';

export interface Family {
  /** e.g. "R7 register.first_bufring". */
  readonly name: string;
  readonly table: TableId;
  readonly observe: 'cqe' | 'client';
  readonly baseline: Scenario;
  /** What the valid baseline must give: held (REGISTER/COMMIT), a CQE of 0 (ADD_*), or a client result of 0. */
  readonly valid: 'held' | 'zero';
  /** Rule ids (common ones included), in table order, whose violation on the baseline fails first at the probe. */
  readonly rows: readonly string[];
}

export function baseConfig(rev: RevisionId, nr_cpus: number): ConnConfig {
  const ringSetup = revision(rev).serverRingSetup;
  return {
    revision: rev, sqe128: true, enable_uring: true, mount: true,
    init: { flags: URING_INIT_FLAGS, max_write: 131072, max_pages: 32 },
    caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true }, memlock_limit: 64 << 20, nr_cpus,
    ...(ringSetup ? { ring_setup: ringSetup } : {}),
  };
}

/** Check rows a family's probe meets: the common checks (unless a client's result is observed), then its table's. */
function candidates(r: Revision, b: Baseline): Check[] {
  const tables: TableId[] = b.observe === 'client' ? [b.table] : ['common', b.table];
  return tables.flatMap((t) => r.tables[t]?.rows ?? []).filter((x): x is Check => x.kind === 'check');
}

/** The first of `ids` the model finds failing while it runs the scenario's probe step, or null. */
function firstFailing(s: Scenario, ids: ReadonlySet<string>, overrides: AssumptionValues): string | null {
  const m = new ConnModel(s.config, overrides);
  for (const c of s.prior) m.run(c);
  const before = m.fired.length;
  m.run(probeCommand(s));
  return m.fired.slice(before).find((id) => ids.has(id)) ?? null;
}

/** Families by revision definition, CPU count and assumption values: finding the rows runs the model, and fuzzers ask often. */
const made = new WeakMap<RevisionDefinition, Map<string, readonly Family[]>>();

export function families(rev: RevisionId, nr_cpus: number, overrides: AssumptionValues = {}): Family[] {
  const byDef = made.get(definition(rev)) ?? new Map<string, readonly Family[]>();
  made.set(definition(rev), byDef);
  const key = `${nr_cpus} ${Object.entries(overrides).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  const known = byDef.get(key) ?? make(rev, nr_cpus, overrides);
  byDef.set(key, known);
  return [...known];
}

function make(rev: RevisionId, nr_cpus: number, overrides: AssumptionValues): Family[] {
  const r = revision(rev, overrides);
  const config = baseConfig(rev, nr_cpus);
  const max = maxPayloadSz(config.init!, r.a);
  return r.baselines({ nr_cpus, max, a: r.a }).map((b) => {
    const baseline: Scenario = { config: b.config ? { ...config, ...b.config } : config, prior: b.prior, probe: b.probe, ...(b.probeClient ? { probeClient: b.probeClient } : {}) };
    const checks = candidates(r, b);
    const ids = new Set(checks.map((c) => c.id));
    const rows = checks.filter((c) => c.violate !== undefined && firstFailing(c.violate(baseline), ids, overrides) === c.id).map((c) => c.id);
    return { name: `${rev} ${b.name}`, table: b.table, observe: b.observe, valid: b.valid, baseline, rows };
  });
}
