// The reference model behind the Target interface.
import { ConnModel, type ModelMutation } from '../../spec/model/conn.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import type { Session, Target, TargetInfo } from './target.js';
import { traceCase, type CaseTrace, type FuzzCase } from './case.js';

export class ModelTarget implements Target {
  readonly name = 'model' as const;

  constructor(private readonly machine: TargetInfo = { nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } },
    private readonly overrides: AssumptionValues = {}, private readonly mutation: ModelMutation = {}) {}

  async info(): Promise<TargetInfo> { return this.machine; }

  async unsupported(_rev: RevisionId): Promise<string | null> { return null; }

  /** A case's trace, with the rows its model fired. */
  async runCase(c: FuzzCase): Promise<CaseTrace> {
    const m = new ConnModel(c.config, this.overrides, this.mutation);
    const trace = await traceCase(async () => sessionOf(m), c);
    return { ...trace, fired: m.fired };
  }

  async open(cfg: Parameters<Target['open']>[0]): Promise<Session> {
    return sessionOf(new ConnModel(cfg, this.overrides, this.mutation));
  }
}

const sessionOf = (m: ConnModel): Session => ({ run: async (cmd) => m.run(cmd), close: async () => m.run({ kind: 'umount' }) });
