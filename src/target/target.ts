// The one interface properties are written against; the model and the kernel adapter implement it.
import type { Command, ConnConfig, Event } from '../../spec/conn/commands.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import type { CaseTrace, FuzzCase } from './case.js';

export interface TargetInfo {
  /** num_possible_cpus() of the machine (the model takes it from the caller). */
  readonly nr_cpus: number;
  readonly caps: ConnConfig['caps'];
  /** Kernel facts measured on this target where kernels of one revision differ (assumption ids); the model of it takes them. */
  readonly facts?: AssumptionValues;
}

export interface Session {
  /** Runs one command and returns what became observable because of it (bounded in time on a kernel). */
  run(cmd: Command): Promise<Event[]>;
  /** Tears the connection down and returns the events of that teardown. */
  close(): Promise<Event[]>;
}

export interface Target {
  readonly name: 'model' | 'kernel';
  info(): Promise<TargetInfo>;
  /** null when the revision can run here, otherwise the reason to SKIP. */
  unsupported(rev: RevisionId): Promise<string | null>;
  open(cfg: ConnConfig): Promise<Session>;
  /**
   * Runs a whole case in one go (fewer round trips than open/run/close); the fuzzer uses it when there. `observed`: the
   * other target's trace, which the model follows where the kernel may take either of two ways (see ConnModel.observed).
   */
  runCase?(c: FuzzCase, observed?: CaseTrace): Promise<CaseTrace>;
  /** Names the case the next open() belongs to, so a kernel log can attribute a splat to it. */
  mark?(label: string): void;
}
