// The kernel behind the Target interface: a worker process per target, each step under a deadline.
import { existsSync } from 'node:fs';
import type { Command, ConnConfig, Event } from '../../spec/conn/commands.js';
import type { PhaseTime } from './conn.js';
import type { RevisionId } from '../../spec/types.js';
import type { Session, Target, TargetInfo } from '../target/target.js';
import type { CaseTrace, FuzzCase } from '../target/case.js';
import { loadProbe } from '../../native-probe/index.js';
import { cpus, type Detection } from './detect.js';
import type { Fingerprint } from './fingerprint.js';
import { unavailableReason } from './enableUring.js';
import { scaled } from './timeScale.js';
import { WorkerChannel, WORKER } from './workerChannel.js';
import { HarnessError, KernelHealthError } from '../target/errors.js';
import { IN_SEA } from '../sea/sea.js';

/** Deadline of one step, teardown included; past it the worker is killed and the case TIMEOUTs. */
export const STEP_DEADLINE_MS = scaled(15_000);


export class KernelTarget implements Target {
  readonly name = 'kernel' as const;
  private readonly worker: WorkerChannel;
  private detection: Detection | null = null;
  private label: string | undefined;
  /** Traffic counters of every closed session: requests seen on the ring and on /dev/fuse. */
  readonly traffic = { ringRequests: 0, devRequests: 0, sessions: 0, waits: 0 };

  /**
   * keepEnableUring: never touch fuse.enable_uring (to record how a kernel behaves with it as it is).
   * stepDeadlineMs: the per-step deadline. interruptBlocked=false: a submission asleep in the kernel is not
   * interrupted, so it runs into that deadline (how the TIMEOUT path is tested).
   */
  constructor(private readonly opts: { keepEnableUring?: boolean; stepDeadlineMs?: number; interruptBlocked?: boolean } = {}) {
    this.worker = new WorkerChannel(opts.stepDeadlineMs ?? STEP_DEADLINE_MS);
  }

  /** Ends the live worker; the next call starts a fresh one (no task work of earlier rings pending on it). */
  async restartWorker(): Promise<void> { await this.worker.killWorker(); }

  /** pid of the live worker process, if one runs (diagnostics; the worker-death test kills it). */
  get workerPid(): number | undefined { return this.worker.pid; }

  /** null when this machine can run kernel cases, else the exact reason to SKIP. */
  static unavailable(): string | null {
    const probe = loadProbe();
    if (typeof probe === 'string') return probe;
    if (!IN_SEA && !existsSync(WORKER)) return `${WORKER} is missing: run npm install (it builds dist/)`;
    return unavailableReason();
  }

  async info(): Promise<TargetInfo> {
    const facts = Object.fromEntries(Object.entries((await this.detect()).facts).map(([k, v]) => [k, BigInt(v)]));
    return { nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true }, facts };
  }

  async detect(): Promise<Detection> {
    if (!this.detection) {
      const r = await this.worker.call({ op: 'detect', keepParam: this.opts.keepEnableUring ?? false }, 'revision detection');
      if (!r.ok || !r.detection) throw new HarnessError(`revision detection failed: ${r.error}`);
      this.detection = r.detection;
    }
    return this.detection;
  }

  async fingerprint(): Promise<Fingerprint> {
    const r = await this.worker.call({ op: 'fingerprint', keepParam: this.opts.keepEnableUring ?? false }, 'fingerprint');
    if (!r.ok || !r.fingerprint) throw new HarnessError(`probe failed: ${r.error}`);
    return r.fingerprint;
  }

  async unsupported(rev: RevisionId): Promise<string | null> {
    const d = await this.detect();
    return d.evidence[rev];
  }

  mark(label: string): void { this.label = label; }

  async open(cfg: ConnConfig, interruptBlocked = this.opts.interruptBlocked ?? true): Promise<Session> {
    const opened = await this.worker.call({ op: 'open', cfg, keepParam: this.opts.keepEnableUring ?? false, label: this.label, interruptBlocked }, 'open (mount, INIT, ring)');
    if (!opened.ok) throw new HarnessError(`kernel open failed: ${opened.error}`);
    const step = async (cmd: Command): Promise<Event[]> => {
      const r = await this.worker.call({ op: 'run', cmd }, `step ${cmd.kind}`);
      if (!r.ok) throw new HarnessError(`kernel step ${cmd.kind} failed: ${r.error}`);
      return r.events ?? [];
    };
    return {
      run: step,
      close: async () => {
        const r = await this.worker.call({ op: 'close' }, 'teardown');
        if (!r.ok) throw new HarnessError(`kernel teardown failed: ${r.error}`);
        this.traffic.sessions++;
        this.traffic.ringRequests += r.counts?.ringRequests ?? 0;
        this.traffic.devRequests += r.counts?.devRequests ?? 0;
        this.traffic.waits += r.counts?.waits ?? 0;
        if (r.health && r.health.length > 0) throw new KernelHealthError(`kernel log during the case:\n${r.health.join('\n')}`);
        if (r.problem) throw new KernelHealthError(`teardown: ${r.problem}`);
        return r.events ?? [];
      },
    };
  }

  /** A whole case in one worker round trip; bounded by the step deadline once per step (and twice for set-up and teardown). */
  async runCase(c: FuzzCase): Promise<CaseTrace> {
    const r = await this.worker.call({ op: 'case', case: c, keepParam: this.opts.keepEnableUring ?? false, label: this.label, interruptBlocked: this.opts.interruptBlocked ?? true },
      `case of ${c.steps.length} steps`, (this.opts.stepDeadlineMs ?? STEP_DEADLINE_MS) * (c.steps.length + 2));
    if (!r.ok || !r.trace) throw new HarnessError(`kernel case failed: ${r.error}`);
    this.traffic.sessions++;
    this.traffic.ringRequests += r.counts?.ringRequests ?? 0;
    this.traffic.devRequests += r.counts?.devRequests ?? 0;
    this.traffic.waits += r.counts?.waits ?? 0;
    for (const [k, v] of Object.entries(r.profile ?? {})) {
      const p = (this.profile[k] ??= { ms: 0, n: 0 });
      p.ms += v.ms; p.n += v.n;
    }
    return r.trace;
  }

  /** Time the worker spent per phase over every case run so far (ms, occurrences): npm run bench prints it. */
  readonly profile: Record<string, PhaseTime> = {};

  dispose(): void { this.worker.dispose(); }
}
