// The reference model behind the Target interface.
import { ConnModel, FAULTED_IN_AN_ENTRY, type ModelMutation } from '../../spec/model/conn.js';
import { ERRNO } from '../../spec/errno.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import type { Session, Target, TargetInfo } from './target.js';
import { NOT_RUN, traceCase, type CaseTrace, type FuzzCase } from './case.js';

export class ModelTarget implements Target {
  readonly name = 'model' as const;

  constructor(private readonly machine: TargetInfo = { nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } },
    readonly overrides: AssumptionValues = {}, private readonly mutation: ModelMutation = {}) {}

  /** The machine it models, with the kernel facts it was given (its assumption overrides). */
  async info(): Promise<TargetInfo> { return { ...this.machine, facts: this.overrides }; }

  async unsupported(_rev: RevisionId): Promise<string | null> { return null; }

  /** A case's trace, with the rows its model fired and the step from which the scheduler's order decides. */
  async runCase(c: FuzzCase, observed?: CaseTrace): Promise<CaseTrace> {
    const m = new ConnModel(c.config, this.overrides, this.mutation);
    let runs = 0, racyAt: number | null = null;
    const session = sessionOf(m);
    const trace = await traceCase(async () => ({
      run: async (cmd, step) => {
        const seen = observed?.steps[step];
        // The CQE that delivered a request like this one; none, and a client's -EFAULT in the step or the end of the op
        // that sent it (fuse_direct_io returns the chunks done before a chunk that fails): it faulted in an entry.
        m.observed = seen && !('error' in seen)
          ? (r) => seen.flatMap((e) => (e.kind === 'cqe' && e.req?.opcode === r.opcode && e.req.nodeid === r.nodeid && e.req.arg === r.arg ? [e.tag] : []))[0]
            ?? (seen.some((e) => e.kind === 'client_done' && (e.res === -ERRNO.EFAULT || e.tag === r.op)) ? FAULTED_IN_AN_ENTRY : undefined)
          : null;
        const ev = await session.run(cmd);
        if (m.schedulerOrder !== null && racyAt === null) racyAt = runs;
        runs++;
        return ev;
      },
      close: session.close,
    }), c);
    // The k-th command run is the k-th step that was not skipped for want of a mount.
    const at = racyAt === null ? -1 : trace.steps.map((s, i) => ({ s, i })).filter(({ s }) => !('error' in s && s.error === NOT_RUN))[racyAt]?.i ?? -1;
    // A step that is itself the scheduler's leaves the one before it as the last compared (by shape).
    const from = at >= 0 && m.schedulerOrder!.thisStep ? at - 1 : at;
    return { ...trace, fired: m.fired, ...(from >= 0 ? { schedulerOrder: { from, why: m.schedulerOrder!.why } } : {}) };
  }

  async open(cfg: Parameters<Target['open']>[0]): Promise<Session> {
    return sessionOf(new ConnModel(cfg, this.overrides, this.mutation));
  }
}

const sessionOf = (m: ConnModel): Session => ({ run: async (cmd) => m.run(cmd), close: async () => m.run({ kind: 'umount' }) });
