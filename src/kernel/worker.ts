// The kernel worker: one process in its own mount namespace, driven over JSON lines on stdin/stdout.
import { createInterface } from 'node:readline';
import { loadProbe } from '../../native-probe/index.js';
import type { Command, ConnConfig } from '../../spec/model/commands.js';
import { KernelConn } from './conn.js';
import { detectRevision } from './detect.js';
import { fingerprint } from './fingerprint.js';
import { removeOwnMountDir, sweepDeadWorkers } from './mountDirs.js';
import { fromWire, toWire } from './wire.js';

export type WorkerRequest =
  | { op: 'open'; cfg: ConnConfig; keepParam?: boolean; label?: string }
  | { op: 'run'; cmd: Command }
  | { op: 'close' }
  | { op: 'detect'; keepParam?: boolean }
  | { op: 'fingerprint'; keepParam?: boolean };

const HEALTH = /WARNING:|BUG:|Oops|KASAN|UBSAN|blocked for more than|hung_task/;
const O_RDONLY_NONBLOCK = 0o4000, O_WRONLY = 1;

const probe = loadProbe();
if (typeof probe === 'string') { process.stdout.write(toWire({ fatal: probe }) + '\n'); process.exit(1); }
const p = probe;
p.setDeathSignal();
// A worker killed mid-case (TIMEOUT, kill -9 of the runner) leaves an empty mount point; the next one removes it.
sweepDeadWorkers();
const kmsg = p.open('/dev/kmsg', O_RDONLY_NONBLOCK);
const drainKmsg = (): string[] => {
  const lines: string[] = [];
  for (let i = 0; kmsg >= 0 && i < 10000; i++) {
    const b = p.read(kmsg, 8192, 0);
    if (typeof b === 'number') { if (b === -32) continue; break; } // -EPIPE: records were overwritten
    lines.push(b.toString('utf8').replace(/^[^;]*;/, '').trim());
  }
  return lines;
};
drainKmsg();
// Under `furc vm` each case writes its name to the kernel log, so a splat (or a panic) on the console names its case.
const marks = process.env.FURC_KMSG_MARKERS === '1' ? p.open('/dev/kmsg', O_WRONLY) : -1;
const mark = (label: string | undefined) => { if (marks >= 0 && label) p.write(marks, Buffer.from(`furc: case ${label}\n`)); };

let conn: KernelConn | null = null;
const answer = (v: unknown) => process.stdout.write(toWire(v) + '\n');

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = fromWire(line) as WorkerRequest;
  try {
    switch (req.op) {
      case 'open':
        conn?.close();
        mark(req.label);
        conn = new KernelConn(p, req.cfg, req.keepParam ?? false);
        conn.open();
        answer({ ok: true, negotiated: conn.negotiated, offer: conn.offer });
        break;
      case 'run':
        if (!conn) throw new Error('run before open');
        answer({ ok: true, events: conn.run(req.cmd) });
        break;
      case 'close': {
        const events = conn?.close() ?? [];
        const counts = conn?.counts;
        conn = null;
        answer({ ok: true, events, counts, health: drainKmsg().filter((l) => HEALTH.test(l)) });
        break;
      }
      case 'detect':
        answer({ ok: true, detection: detectRevision(p, req.keepParam ?? false) });
        break;
      case 'fingerprint':
        answer({ ok: true, fingerprint: fingerprint(p, req.keepParam ?? false) });
        break;
    }
  } catch (e) {
    answer({ ok: false, error: (e as Error).message });
  }
}).on('close', () => { conn?.close(); removeOwnMountDir(); process.exit(0); });
