// The kernel behind the Target interface: a worker process per target, each step under a deadline.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import type { Command, ConnConfig, Event } from '../../spec/model/commands.js';
import type { RevisionId } from '../../spec/types.js';
import type { Session, Target, TargetInfo } from '../target/target.js';
import { loadProbe } from '../../native-probe/index.js';
import { cpus, type Detection } from './detect.js';
import type { Fingerprint } from './fingerprint.js';
import { unavailableReason } from './enableUring.js';
import { ROOT } from '../paths.js';
import { removeMountDirOf } from './mountDirs.js';
import { scaled } from './timeScale.js';
import { fromWire, toWire } from './wire.js';
import type { WorkerRequest } from './worker.js';

export const WORKER = `${ROOT}dist/src/kernel/worker.js`;
/** Deadline of one step, teardown included; past it the worker is killed and the case TIMEOUTs. */
export const STEP_DEADLINE_MS = scaled(15_000);

export class TimeoutError extends Error {}
export class KernelHealthError extends Error {}

type Reply = { ok: boolean; error?: string; events?: Event[]; detection?: Detection; fingerprint?: Fingerprint; health?: string[]; counts?: { devRequests: number; ringRequests: number }; fatal?: string };

class Worker {
  private proc: ResultPromise | null = null;
  private waiting: ((r: Reply) => void) | null = null;
  private disposed = false;

  private start(): ResultPromise {
    const proc = execa('unshare', ['--mount', '--propagation', 'private', process.execPath, WORKER], {
      stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', reject: false, buffer: false, cleanup: true,
    });
    createInterface({ input: proc.stdout! }).on('line', (l) => { const w = this.waiting; this.waiting = null; w?.(fromWire(l) as Reply); });
    void proc.then(() => { if (this.proc === proc) this.proc = null; const w = this.waiting; this.waiting = null; w?.({ ok: false, error: 'kernel worker exited' }); });
    return (this.proc = proc);
  }

  async call(req: WorkerRequest, what: string): Promise<Reply> {
    if (this.disposed) throw new Error(`kernel target disposed: ${what} not sent`);
    // One request at a time: a second caller would take the first one's reply.
    if (this.waiting) throw new Error(`kernel worker busy: ${what} sent while another request waits for its reply`);
    const proc = this.proc ?? this.start();
    const reply = new Promise<Reply>((resolve) => { this.waiting = resolve; });
    proc.stdin!.write(toWire(req) + '\n');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new TimeoutError(`TIMEOUT: ${what} exceeded ${STEP_DEADLINE_MS} ms; worker killed, its mount namespace and connection torn down`)), STEP_DEADLINE_MS); });
    try {
      const r = await Promise.race([reply, timeout]);
      if (r.fatal) throw new Error(r.fatal);
      return r;
    } catch (e) {
      if (e instanceof TimeoutError) this.kill();
      throw e;
    } finally { clearTimeout(timer); }
  }

  kill(): void {
    const pid = this.proc?.pid;
    this.proc?.kill('SIGKILL');
    if (pid) removeMountDirOf(pid);
    this.proc = null;
    const w = this.waiting;
    this.waiting = null;
    w?.({ ok: false, error: 'kernel worker killed' });
  }

  dispose(): void { this.disposed = true; this.kill(); }
}

export class KernelTarget implements Target {
  readonly name = 'kernel' as const;
  private readonly worker = new Worker();
  private detection: Detection | null = null;
  private label: string | undefined;
  /** Traffic counters of every closed session: requests seen on the ring and on /dev/fuse. */
  readonly traffic = { ringRequests: 0, devRequests: 0, sessions: 0 };

  /** keepEnableUring: never touch fuse.enable_uring (to record how a kernel behaves with it as it is). */
  constructor(private readonly opts: { keepEnableUring?: boolean } = {}) {}

  /** null when this machine can run kernel cases, else the exact reason to SKIP. */
  static unavailable(): string | null {
    const probe = loadProbe();
    if (typeof probe === 'string') return probe;
    if (!existsSync(WORKER)) return `${WORKER} is missing: run npm install (it builds dist/)`;
    return unavailableReason();
  }

  async info(): Promise<TargetInfo> {
    return { nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } };
  }

  async detect(): Promise<Detection> {
    if (!this.detection) {
      const r = await this.worker.call({ op: 'detect', keepParam: this.opts.keepEnableUring ?? false }, 'revision detection');
      if (!r.ok || !r.detection) throw new Error(`revision detection failed: ${r.error}`);
      this.detection = r.detection;
    }
    return this.detection;
  }

  async fingerprint(): Promise<Fingerprint> {
    const r = await this.worker.call({ op: 'fingerprint', keepParam: this.opts.keepEnableUring ?? false }, 'fingerprint');
    if (!r.ok || !r.fingerprint) throw new Error(`probe failed: ${r.error}`);
    return r.fingerprint;
  }

  async unsupported(rev: RevisionId): Promise<string | null> {
    const d = await this.detect();
    return d.evidence[rev];
  }

  mark(label: string): void { this.label = label; }

  async open(cfg: ConnConfig): Promise<Session> {
    const opened = await this.worker.call({ op: 'open', cfg, keepParam: this.opts.keepEnableUring ?? false, label: this.label }, 'open (mount, INIT, ring)');
    if (!opened.ok) throw new Error(`kernel open failed: ${opened.error}`);
    const step = async (cmd: Command): Promise<Event[]> => {
      const r = await this.worker.call({ op: 'run', cmd }, `step ${cmd.kind}`);
      if (!r.ok) throw new Error(`kernel step ${cmd.kind} failed: ${r.error}`);
      return r.events ?? [];
    };
    return {
      run: step,
      close: async () => {
        const r = await this.worker.call({ op: 'close' }, 'teardown');
        if (!r.ok) throw new Error(`kernel teardown failed: ${r.error}`);
        this.traffic.sessions++;
        this.traffic.ringRequests += r.counts?.ringRequests ?? 0;
        this.traffic.devRequests += r.counts?.devRequests ?? 0;
        if (r.health && r.health.length > 0) throw new KernelHealthError(`kernel log during the case:\n${r.health.join('\n')}`);
        return r.events ?? [];
      },
    };
  }

  dispose(): void { this.worker.dispose(); }
}
