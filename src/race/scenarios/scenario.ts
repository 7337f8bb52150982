// What a race scenario is: a name, the bug class it puts under pressure, the revisions it applies to, and its builder.
import type { RevisionId } from '../../../spec/types.js';
import type { RaceBuild } from '../build.js';

export interface RaceScenario {
  readonly id: string;
  /** What races with what, in one line. */
  readonly title: string;
  /** The published bug (or class) it aims at. */
  readonly aims: string;
  readonly revisions: readonly RevisionId[];
  /** Declares threads, runs the prefix, calls b.race(), then adds each thread's racing actions. */
  build(b: RaceBuild, nrCpus: number): void;
}

/** Pool slot of the client that stats from `cpu` before the race (one per CPU). */
export const waitingSlot = (cpu: number): number => cpu;
/** Pool slot for clients a program starts itself: after the waiting ones. */
export const programSlot = (nrCpus: number, k = 0): number => nrCpus + k;
