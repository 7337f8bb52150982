// One kernel worker process at a time, called one request at a time; every reply is matched to its request by id.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { ROOT } from '../paths.js';
import { sharedNodeFlags } from '../nodeFlags.js';
import { IN_SEA, WORKER_ARG } from '../sea/sea.js';
import { abortConnections, blockedStacks } from './stuck.js';
import { removeMountDirOf } from './mountDirs.js';
import { fromWire, toWire } from './wire.js';
import type { WorkerReply, WorkerRequest } from './worker.js';
import { HarnessError, TimeoutError } from '../target/errors.js';

export const WORKER = `${ROOT}dist/src/kernel/worker.js`;


/** One worker process; a reply or an exit reaches only the call made to this process. */
class Proc {
  private pending: { id: number; settle: (r: WorkerReply) => void } | null = null;
  /** fusectl ids of connections the worker reported open: aborted if the worker has to be killed. */
  readonly connections = new Set<number>();
  readonly exited: Promise<void>;

  constructor(readonly child: ResultPromise) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const r = fromWire(l) as WorkerReply;
      if (r.conn !== undefined) r.conn === null ? this.connections.clear() : this.connections.add(r.conn);
      if (r.interim) return;
      // A line for a request that is no longer waiting (it timed out) is dropped, never given to the next caller.
      if (this.pending && r.id === this.pending.id) { const p = this.pending; this.pending = null; p.settle(r); }
    });
    this.exited = child.then(() => undefined, () => undefined);
    void this.exited.then(() => this.fail(`kernel worker (pid ${child.pid}) exited`));
  }

  get pid(): number | undefined { return this.child.pid; }
  get busy(): boolean { return this.pending !== null; }

  send(req: WorkerRequest & { id: number }): Promise<WorkerReply> {
    return new Promise((settle) => {
      this.pending = { id: req.id, settle };
      this.child.stdin!.write(toWire(req) + '\n');
    });
  }

  fail(why: string): void {
    const p = this.pending;
    this.pending = null;
    p?.settle({ id: p.id, ok: false, error: why, harness: true });
  }
}

/** What a caller gets back: the worker's reply, or a TimeoutError/HarnessError thrown. */
export class WorkerChannel {
  private proc: Proc | null = null;
  private nextId = 1;
  private disposed = false;

  /** `script`: the worker to run (the kernel worker by default; furc race has its own). */
  constructor(private readonly deadlineMs: number, private readonly script: string = WORKER) {}

  /** The live worker's pid (diagnostics and the worker-death test). */
  get pid(): number | undefined { return this.proc?.pid; }

  private start(): Proc {
    // The packed executable is its own kernel worker (an argument picks the role); furc race's worker needs dist/.
    const child = execa('unshare', ['--mount', '--propagation', 'private', process.execPath, ...sharedNodeFlags(), IN_SEA && this.script === WORKER ? WORKER_ARG : this.script], {
      stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', reject: false, buffer: false, cleanup: true,
    });
    const p = new Proc(child);
    void p.exited.then(() => { if (this.proc === p) this.proc = null; });
    return (this.proc = p);
  }

  async call(req: WorkerRequest, what: string, deadlineMs = this.deadlineMs): Promise<WorkerReply> {
    if (this.disposed) throw new HarnessError(`kernel target disposed: ${what} not sent`);
    // One request at a time: the worker is single-threaded and a case is a sequence.
    if (this.proc?.busy) throw new HarnessError(`kernel worker busy: ${what} sent while another request waits for its reply`);
    const proc = this.proc ?? this.start();
    const reply = proc.send({ ...req, id: this.nextId++ });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deadlineMs); });
    try {
      const r = await Promise.race([reply, timedOut]);
      if (r === 'timeout') throw new TimeoutError(await this.stuck(proc, what, deadlineMs));
      if (r.fatal) throw new HarnessError(r.fatal);
      if (r.harness) throw new HarnessError(r.error ?? 'kernel worker failed');
      return r;
    } finally { clearTimeout(timer); }
  }

  /** A step outlived its deadline: record where the worker sleeps in the kernel, abort its connections, kill it. */
  private async stuck(proc: Proc, what: string, deadlineMs: number): Promise<string> {
    const pid = proc.pid;
    const stacks = pid ? blockedStacks(pid) : '(no pid)';
    const aborted = await abortConnections([...proc.connections]);
    const gone = await this.kill(proc);
    return `TIMEOUT: ${what} exceeded ${deadlineMs} ms; kernel stacks of the worker (pid ${pid}) and its clients:\n${stacks}\n`
      + `${aborted}; worker ${gone ? 'killed' : 'did not exit within 5 s of SIGKILL (unkillable: D state)'}`;
  }

  /** SIGKILL and wait (bounded) for the exit; the call waiting on it fails, later calls go to a fresh worker. */
  private async kill(proc: Proc): Promise<boolean> {
    if (this.proc === proc) this.proc = null;
    proc.fail('kernel worker killed');
    const pid = proc.pid;
    proc.child.kill('SIGKILL');
    const gone = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    if (pid) removeMountDirOf(pid);
    return gone;
  }

  /** Kills the live worker now (teardown, a runner-side deadline, tests). */
  async killWorker(): Promise<void> { if (this.proc) await this.kill(this.proc); }

  dispose(): void {
    this.disposed = true;
    const p = this.proc;
    this.proc = null;
    if (!p) return;
    p.fail('kernel target disposed');
    p.child.kill('SIGKILL');
    if (p.pid) removeMountDirOf(p.pid);
  }
}
