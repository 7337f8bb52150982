// serve: a request that faults in one entry ends before the next COMMIT, so what its clients do next is served too.
import { describe, expect, it } from 'vitest';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import type { Event } from '../../spec/conn/commands.js';
import type { FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
const reg = (tag: string, qid: number): Step => ({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, 131072) });

describe('serve after a fault', () => {
  it("should answer, in the same serve, the LOOKUP and OPEN of the reader woken when the other open's LOOKUP faults in reg.0 (payload unmapped)", async () => {
    // furc fuzz --jobs 2 seed 41 with two busy loops, 3/3 on 6.18.44: the model's serve stopped after the first COMMIT.
    const c: FuzzCase = {
      config: baseConfig('R0', 2),
      steps: [reg('reg.0', 0), reg('reg.1', 1), { kind: 'mem', region: 'payload', entry: 'reg.0', prot: 'none', part: 'all' },
        { kind: 'client', tag: 's4', op: 'stat', cpu: 0 }, { kind: 'client', tag: 's5', op: 'open', cpu: 0, client: 2, file: 'empty' },
        { kind: 'client', tag: 's6', op: 'open', cpu: 1, client: 1, file: 'empty' }, { kind: 'serve', tag: 's7' }],
    };
    const t = await model.runCase(c);
    const serve = t.steps[6] as Event[];
    const done = serve.flatMap((e) => (e.kind === 'client_done' ? [`${e.tag} ${e.res}`] : []));
    expect(done).toEqual(['s4 -14', 's5 -14', 's6 0']);
    // The woken reader's LOOKUP on reg.1, then its OPEN on the entry that COMMIT returned.
    expect(serve.flatMap((e) => (e.kind === 'cqe' && e.req ? [`${e.tag} ${e.req.opcode}`] : []))).toEqual(['reg.1 1', 's7.2 14']);
  });
});
