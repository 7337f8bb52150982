// The reference model behind the Target interface.
import { ConnModel, type ModelMutation } from '../../spec/model/conn.js';
import type { AssumptionValues, RevisionId } from '../../spec/types.js';
import type { Session, Target, TargetInfo } from './target.js';
import { traceCase, type CaseTrace, type FuzzCase } from './case.js';

export class ModelTarget implements Target {
  readonly name = 'model' as const;
  /** Models opened so far, so tests can inspect internal state after a run. */
  readonly opened: ConnModel[] = [];

  constructor(private readonly machine: TargetInfo = { nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } },
    private readonly overrides: AssumptionValues = {}, private readonly mutation: ModelMutation = {}) {}

  async info(): Promise<TargetInfo> { return this.machine; }

  async unsupported(_rev: RevisionId): Promise<string | null> { return null; }

  runCase(c: FuzzCase): Promise<CaseTrace> { return traceCase(() => this.open(c.config), c); }

  async open(cfg: Parameters<Target['open']>[0]): Promise<Session> {
    const m = new ConnModel(cfg, this.overrides, this.mutation);
    this.opened.push(m);
    return {
      run: async (cmd) => m.run(cmd),
      close: async () => m.run({ kind: 'umount' }),
    };
  }
}
