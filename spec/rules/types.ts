// Rule rows: checks (predicate, errno, source) and effects, in kernel check order.
import type { ClientCommand, Command, ConnConfig, UringCmdSpec } from '../conn/commands.js';
import type { Probe } from '../conn/probe.js';
import { errnoName } from '../errno.js';
import type { Source } from '../types.js';

/** A probe scenario: prepare a connection, run `prior`, then issue `probe` and watch its CQE (or the client's result). */
export interface Scenario {
  readonly config: ConnConfig;
  readonly prior: readonly Command[];
  readonly probe: UringCmdSpec;
  /** When set, the probe step is this client op instead of the uring command (delivery checks). */
  readonly probeClient?: ClientCommand;
}

export interface Check {
  readonly kind: 'check';
  /** Stable rule id: <command>.<field>.<condition>. */
  readonly id: string;
  /** What the row makes the command do: see RuleResult. */
  readonly errno: RuleResult;
  readonly when: (p: Probe) => boolean;
  readonly source: Source;
  /** Turns a valid scenario into one that breaks this row and no earlier row. */
  readonly violate?: (s: Scenario) => Scenario;
  /** Rows that cannot be broken together with this one. */
  readonly excludes?: readonly string[];
  /** Set when no userspace sequence reaches the row past earlier checks: why, and the state that would. */
  readonly unreachable?: { readonly reason: string; readonly force: (p: Probe) => Probe };
  /** Kernels known to answer otherwise: a run that observes exactly this reports XFAIL(rule, link), not FAIL. */
  readonly known?: readonly KnownDifference[];
  /** The kernel fact (an assumption id) the row exists by: families break it on kernels measured with that fact 1. */
  readonly fact?: string;
}

export interface KnownDifference {
  /** The outcome as the suite prints it, e.g. 'cqe -ENOTCONN'. */
  readonly observed: string;
  readonly kernels: string;
  readonly why: string;
  readonly link: string;
}

/** Side effects the kernel performs between checks; they persist even if a later check fails. */
export type EffectName = 'create_ring' | 'create_queue';

export interface Effect {
  readonly kind: 'effect';
  readonly id: string;
  readonly effect: EffectName;
  readonly source: Source;
  /** Set when the kernel performs the effect at this point only on some paths: elsewhere the row is passed over. */
  readonly when?: (p: Probe) => boolean;
}

export type Row = Check | Effect;

/** The tables a revision may have, in the order a command meets them; commands map to their table. */
export type TableId = 'common' | 'register' | 'commit_and_fetch' | 'reply' | 'deliver' | 'add_queue' | 'add_bufpool';

export interface RuleTable {
  /** Table id, the prefix of its rows' ids: common, register, commit_and_fetch, add_queue, … */
  readonly id: string;
  readonly title: string;
  readonly rows: readonly Row[];
}

/**
 * A negative errno; 'reply' for a reply error passed through to the client; 'blocked' when the command sleeps in
 * the submitting task until a signal interrupts it (then its CQE carries the wait's -ERESTARTSYS).
 */
export type RuleResult = number | 'reply' | 'blocked';

/** "EINVAL", "reply" or "blocked": the golden-file and table spelling of a row's result. */
export const resultName = (r: RuleResult): string => (typeof r === 'number' ? errnoName(r).replace(/^-/, '') : r);

export const src = (ref: string, assumption?: string): Source => (assumption ? { ref, assumption } : { ref });
