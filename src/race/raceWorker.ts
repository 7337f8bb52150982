// furc race's worker: one process in its own mount namespace (like the kernel worker), running iterations on request.
import { createInterface } from 'node:readline';
import { loadProbe } from '../../native-probe/index.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import type { RevisionId } from '../../spec/types.js';
import { ClientPool } from '../kernel/clients.js';
import { cpus, detectRevision } from '../kernel/detect.js';
import { removeOwnMountDir, sweepDeadWorkers } from '../kernel/mountDirs.js';
import { MountPoint } from '../kernel/mountPoint.js';
import { ParamLock } from '../kernel/paramLock.js';
import { fromWire, toWire } from '../kernel/wire.js';
import { buildRace, runIteration, UMOUNT_SLOT, type IterationRequest, type WorkerCtx } from './iteration.js';
import { allowedOutcomes } from './oracle.js';
import { scenariosFor } from './scenarios/index.js';
import { Kmsg } from './kmsg.js';

export type RaceWorkerRequest = { op: 'hello'; revision?: RevisionId } | { op: 'iteration'; req: IterationRequest };

/** Revision this kernel is raced as, its evidence, possible CPUs and the client pids (to check none is left). */
export interface Hello {
  readonly revision: RevisionId | 'none';
  readonly why: string | null;
  readonly nrCpus: number;
  readonly clientPids: readonly number[];
  /** Time spent enumerating every scenario's orderings on the model. */
  readonly modelMs: number;
}

const probe = loadProbe();
if (typeof probe === 'string') { process.stdout.write(toWire({ id: 0, ok: false, fatal: probe }) + '\n'); process.exit(1); }
const p = probe;
p.setDeathSignal();
// Clients are forked now, before any ring or mount exists: the scenarios' slots and the teardown's umount slot.
const pool = new ClientPool(p, UMOUNT_SLOT + 1);
const lock = (() => { try { return new ParamLock(p); } catch { return null; } })();
sweepDeadWorkers();
const kmsg = new Kmsg(p, process.env.FURC_KMSG_MARKERS === '1');
const nrCpus = cpus();
let ctx: WorkerCtx | null = null;

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = fromWire(line) as RaceWorkerRequest & { id: number };
  const answer = (v: object) => process.stdout.write(toWire({ id: req.id, ...v }) + '\n');
  try {
    if (req.op === 'hello') {
      let rev: RevisionId | 'none' = req.revision ?? 'none', why: string | null = null;
      if (!req.revision) {
        const mountPoint = new MountPoint(p);
        const d = detectRevision(p, { pool, lock, interruptBlocked: true, mountPoint });
        mountPoint.release();
        // Races use per-entry REGISTER: the detected revision when a scenario races it (7.3's R8, mainline R0), else R0's
        // rules where the kernel keeps them (the R4/R7 series extend R0).
        rev = d.revision !== 'none' && scenariosFor(d.revision).length > 0 ? d.revision : d.evidence.R0 === null ? 'R0' : 'none';
        why = rev === 'none' ? d.evidence.R0 : null;
      }
      const t0 = Date.now();
      if (rev !== 'none') {
        ctx = { p, pool, lock, rev: revision(rev), cfg: baseConfig(rev, nrCpus), nrCpus, kmsg, allowed: new Map() };
        // Every scenario's allowed outcomes now: they depend on the scenario alone, not on an iteration's jitter.
        for (const s of scenariosFor(rev)) {
          const { built } = buildRace(ctx.rev, ctx.cfg, nrCpus, { scenario: s.id, seed: 0, iteration: 0, maxJitterNs: 0 }, 1);
          ctx.allowed.set(`${s.id}/`, allowedOutcomes(ctx.cfg, built));
        }
      }
      const hello: Hello = { revision: rev, why, nrCpus, clientPids: Array.from({ length: pool.size }, (_, s) => pool.pid(s)), modelMs: Date.now() - t0 };
      answer({ ok: true, race: hello });
      return;
    }
    if (!ctx) throw new Error('iteration before hello');
    const result = runIteration(ctx, req.req, (id) => answer({ ok: true, conn: id, interim: true }));
    answer({ ok: true, conn: null, race: result });
  } catch (e) {
    answer({ ok: false, conn: null, error: (e as Error).message });
  }
}).on('close', () => {
  pool.killAll();
  lock?.close();
  removeOwnMountDir();
  process.exit(0);
});
