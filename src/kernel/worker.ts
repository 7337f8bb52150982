// The kernel worker: one process in its own mount namespace, driven over JSON lines on stdin/stdout.
import { createInterface } from 'node:readline';
import { loadProbe } from '../../native-probe/index.js';
import { ERRNO } from '../../spec/errno.js';
import { O_FLAG } from '../../spec/uapi/linux.js';
import type { Command, ConnConfig, Event } from '../../spec/conn/commands.js';
import { ClientPool } from './clients.js';
import { KernelConn, type ConnEnv, type PhaseTime } from './conn.js';
import { ParamLock } from './paramLock.js';
import { detectRevision, type Detection } from './detect.js';
import { fingerprint, type Fingerprint } from './fingerprint.js';
import { removeOwnMountDir, sweepDeadWorkers } from './mountDirs.js';
import { MountPoint } from './mountPoint.js';
import { SPLAT } from './splatPatterns.js';
import { fromWire, toWire } from './wire.js';
import { NOT_RUN, Resolver, type CaseTrace, type FuzzCase } from '../target/case.js';

export type WorkerRequest =
  | { op: 'open'; cfg: ConnConfig; keepParam?: boolean; label?: string; interruptBlocked?: boolean }
  | { op: 'run'; cmd: Command }
  | { op: 'close' }
  | { op: 'detect'; keepParam?: boolean }
  | { op: 'fingerprint'; keepParam?: boolean }
  /** A whole case in one round trip: open, every step, teardown. */
  | { op: 'case'; case: FuzzCase; keepParam?: boolean; label?: string; interruptBlocked?: boolean };

/** Every reply names the request it answers (`id`); `conn` reports the fusectl id of the connection opened (null: closed). */
export interface WorkerReply {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  /** Set when the harness itself failed (the worker died or was killed): an ERROR, not a kernel result. */
  readonly harness?: boolean;
  readonly fatal?: string;
  readonly conn?: number | null;
  /** A note sent before the reply (the connection id as soon as it exists); it does not answer the request. */
  readonly interim?: boolean;
  readonly events?: Event[];
  readonly detection?: Detection;
  readonly fingerprint?: Fingerprint;
  readonly health?: string[];
  /** What teardown found wrong in the kernel (a client still inside after an abort, a connection that never went). */
  readonly problem?: string;
  readonly counts?: { devRequests: number; ringRequests: number; waits: number };
  readonly trace?: CaseTrace;
  /** Where a case's time went in the worker, by phase (ms). */
  readonly profile?: Readonly<Record<string, PhaseTime>>;
}

const HEALTH = SPLAT;
const O_RDONLY_NONBLOCK = O_FLAG.O_NONBLOCK, { O_WRONLY } = O_FLAG;

const probe = loadProbe();
if (typeof probe === 'string') { process.stdout.write(toWire({ id: 0, ok: false, fatal: probe }) + '\n'); process.exit(1); }
const p = probe;
p.setDeathSignal();
// Clients are forked now, before any ring or mount exists, and serve every case of this worker.
const pool = new ClientPool(p, 4);
const lock = (() => { try { return new ParamLock(p); } catch { return null; } })();
const mountPoint = new MountPoint(p);
const env = (interruptBlocked = true): ConnEnv => ({ pool, lock, interruptBlocked, mountPoint });
// A worker killed mid-case (TIMEOUT, kill -9 of the runner) leaves an empty mount point; the next one removes it.
sweepDeadWorkers();
const kmsg = p.open('/dev/kmsg', O_RDONLY_NONBLOCK);
const drainKmsg = (): string[] => {
  const lines: string[] = [];
  for (let i = 0; kmsg >= 0 && i < 10000; i++) {
    const b = p.read(kmsg, 8192, 0);
    if (typeof b === 'number') { if (b === -ERRNO.EPIPE) continue; break; } // records were overwritten
    lines.push(b.toString('utf8').replace(/^[^;]*;/, '').trim());
  }
  return lines;
};
drainKmsg();
// Under `furc vm` each case writes its name to the kernel log, so a splat (or a panic) on the console names its case.
const marks = process.env.FURC_KMSG_MARKERS === '1' ? p.open('/dev/kmsg', O_WRONLY) : -1;
const mark = (label: string | undefined) => { if (marks >= 0 && label) p.write(marks, Buffer.from(`furc: case ${label}\n`)); };

let conn: KernelConn | null = null;

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = fromWire(line) as WorkerRequest & { id: number };
  const answer = (v: Omit<WorkerReply, 'id'>) => process.stdout.write(toWire({ id: req.id, ...v }) + '\n');
  // Signals wait for the request's end (Node's other threads take the process's meanwhile): a child's SIGCHLD cannot end
  // a sleep in FUSE code, and each submission skips the two mask changes it would make for itself.
  p.holdSignals(true);
  try {
    switch (req.op) {
      case 'open':
        if (conn) { const c = conn; conn = null; try { c.close(); } catch { /* reported when that case closed */ } }
        mark(req.label);
        conn = new KernelConn(p, req.cfg, env(req.interruptBlocked ?? true), req.keepParam ?? false);
        // The connection id goes to the runner first: if this worker has to be killed, the runner aborts it.
        conn.open((id) => answer({ ok: true, conn: id, interim: true }));
        answer({ ok: true });
        break;
      case 'run':
        if (!conn) throw new Error('run before open');
        answer({ ok: true, events: conn.run(req.cmd) });
        break;
      case 'close': {
        const c = conn;
        conn = null;
        let events: Event[] = [], problem: string | undefined;
        // A teardown that finds the kernel stuck (a client that an abort does not free) is a finding about the kernel.
        try { events = c?.close() ?? []; } catch (e) { problem = (e as Error).message; }
        const counts = c?.counts;
        answer({ ok: true, conn: null, events, ...(counts ? { counts } : {}), ...(problem ? { problem } : {}), health: drainKmsg().filter((l) => HEALTH.test(l)) });
        break;
      }
      case 'case': {
        if (conn) { const c = conn; conn = null; try { c.close(); } catch { /* reported when that case closed */ } }
        mark(req.label);
        const c = new KernelConn(p, req.case.config, env(req.interruptBlocked ?? true), req.keepParam ?? false);
        c.open((id) => answer({ ok: true, conn: id, interim: true }));
        const r = new Resolver(req.case.config.mount);
        const steps: (readonly Event[] | { error: string })[] = [];
        for (const st of req.case.steps) {
          const cmd = r.toCommand(st);
          if (!cmd) { steps.push({ error: NOT_RUN }); continue; }
          try { const ev = c.run(cmd); r.absorb(ev); steps.push(ev); } catch (e) { steps.push({ error: (e as Error).message }); break; }
        }
        let teardown: readonly Event[] | { error: string };
        try { teardown = c.close(); } catch (e) { teardown = { error: `teardown: ${(e as Error).message}` }; }
        const health = drainKmsg().filter((l) => HEALTH.test(l));
        if (health.length > 0) teardown = { error: `kernel log during the case:\n${health.join('\n')}` };
        answer({ ok: true, conn: null, trace: { steps, teardown }, counts: c.counts, profile: c.profile });
        break;
      }
      case 'detect':
        answer({ ok: true, detection: detectRevision(p, env(), req.keepParam ?? false) });
        break;
      case 'fingerprint':
        answer({ ok: true, fingerprint: fingerprint(p, env(), req.keepParam ?? false) });
        break;
    }
  } catch (e) {
    answer({ ok: false, error: (e as Error).message });
  } finally { p.holdSignals(false); }
}).on('close', () => {
  try { conn?.close(); } catch { /* the runner is gone: nothing to report to */ }
  pool.killAll();
  lock?.close();
  mountPoint.release();
  removeOwnMountDir();
  process.exit(0);
});
