// A deadline that stops while the tasks it waits on wait for a CPU: on a loaded machine, starvation is not a hang.
import { readProc } from './procfs.js';

/** Nanoseconds a task has spent runnable but waiting on a run queue (/proc/<pid>/task/<tid>/schedstat, field 2). */
export function runDelayNs(path: string): number | null {
  const text = readProc(path);
  return text === null ? null : Number(text.split(' ')[1]);
}

const taskPath = (pid: number) => `/proc/${pid}/schedstat`;
const SELF = '/proc/thread-self/schedstat';

/**
 * `expired(pids)` is true once `ms` have passed on the wall clock less the longest time any of `pids` (or this thread)
 * waited for a CPU since it was first seen here; a hard cap of `cap` wall milliseconds still bounds it. Nothing is read
 * in the first twentieth of `ms`: a step that ends sooner, as nearly all do, reads no schedstat (15.6 reads a fuzz case,
 * 5.6 µs each, went on deadlines that never came near), and a wait for a CPU that short is not credited.
 */
export class FairDeadline {
  private readonly start = Date.now();
  private readonly seen = new Map<string, number>();
  private starvedNs = 0;
  private readonly grace: number;

  constructor(private readonly ms: number, private readonly cap = ms * 2.5) {
    this.grace = ms / 20;
  }

  private delta(path: string): number {
    const now = runDelayNs(path);
    if (now === null) return 0;
    const first = this.seen.get(path);
    if (first === undefined) { this.seen.set(path, now); return 0; }
    return now - first;
  }

  /** How long the slowest of them has been kept off a CPU so far (ms), counted from when each was first seen. */
  starvedMs(pids: readonly number[]): number {
    for (const path of [SELF, ...pids.map(taskPath)]) this.starvedNs = Math.max(this.starvedNs, this.delta(path));
    return this.starvedNs / 1e6;
  }

  expired(pids: readonly number[]): boolean {
    const wall = Date.now() - this.start;
    if (wall > this.cap) return true;
    if (wall < this.grace) return false;
    // Each task's run-queue time is read once when first seen past the grace, and again only once the wall clock is past `ms`.
    for (const path of [SELF, ...pids.map(taskPath)]) if (!this.seen.has(path)) this.delta(path);
    if (wall <= this.ms) return false;
    return wall - this.starvedMs(pids) > this.ms;
  }

  /** For an error message: the wall time and how much of it went to waiting for a CPU. */
  describe(): string {
    const wall = Date.now() - this.start;
    return this.starvedNs > 0 ? `${wall} ms (${Math.round(this.starvedNs / 1e6)} ms of it waiting for a CPU)` : `${wall} ms`;
  }
}
