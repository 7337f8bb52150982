// Adding a revision touches only spec/ (and its golden file): a throwaway R9, R8 with one more ADD_QUEUE flag and one
// more ADD_QUEUE row, defined here through spec/ alone, goes through the model, the families, the codec and the
// conformance suite's case list with no other change.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arbCase } from '../../fuzz/arbitraries.js';
import { decode } from '../../spec/codec/codec.js';
import { ConnModel } from '../../spec/model/conn.js';
import { definition, defineRevision, revision, type RevisionDefinition } from '../../spec/revisions.js';
import { specDiff } from '../../spec/diff.js';
import { negErrno } from '../../spec/errno.js';
import { goldenMismatch } from '../../spec/rules/listing.js';
import { addQueueR8 } from '../../spec/rules/r8.js';
import { withConfig, withProbe } from '../../spec/rules/scenario.js';
import { resultName, src, type Check } from '../../spec/rules/types.js';
import { baseConfig, families } from '../../spec/scenarios/families.js';
import type { RevisionId } from '../../spec/types.js';
import { constant } from '../../spec/uapi/dsl.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_ZERO_COPY$R8 } from '../../spec/uapi/fuse_uring.js';
import type { Command } from '../../spec/conn/commands.js';
import { ruleCases, showOutcome } from '../../src/conformance/cases.js';
import { dataCases } from '../../src/conformance/data.js';
import { goldenText, parseGolden } from '../../src/conformance/golden.js';
import { uringCmdSqe } from '../../src/kernel/sqe.js';
import { runScenario } from '../../src/target/runScenario.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

// A real R9 would add 'R9' to REVISIONS (spec/types.ts); the throwaway one is only in the registry, so its id is cast.
const R9 = 'R9' as RevisionId;
/** The new flag: ADD_QUEUE asks for a queue whose memory is pinned, which needs CAP_IPC_LOCK. */
const PINNED = 1n << 1n;
const NEW_ROW: Check = {
  kind: 'check', id: 'add_queue.pinned.without_ipc_lock', errno: negErrno('EPERM'), source: src('throwaway R9 of properties/revisions/newRevision.test.ts'),
  when: (p) => ((p.cmd.flags ?? 0n) & PINNED) !== 0n && !p.st.cfg.caps.CAP_IPC_LOCK,
  violate: (s) => withConfig(withProbe(s, { flags: (s.probe.flags ?? 0n) | PINNED }), { caps: { ...s.config.caps, CAP_IPC_LOCK: false } }),
};

/** R8, its ADD_QUEUE accepting PINNED too, and the new row after add_queue.queue.exists. */
const r9: RevisionDefinition = (a) => {
  const r8 = definition('R8')(a);
  const addQueue = addQueueR8(FUSE_URING_ZERO_COPY$R8 | PINNED);
  const at = addQueue.rows.findIndex((r) => r.id === 'add_queue.queue.exists') + 1;
  return {
    ...r8, title: 'throwaway R9: R8 with the ADD_QUEUE flag FUSE_URING_PINNED', status: 'test only',
    constants: [...r8.constants, constant('FUSE_URING_PINNED', PINNED, 'throwaway R9')],
    tables: { ...r8.tables, add_queue: { ...addQueue, rows: [...addQueue.rows.slice(0, at), NEW_ROW, ...addQueue.rows.slice(at)] } },
  };
};

/** R9's golden file as a reviewer writes it: R8's, with the new row's line after add_queue.queue.exists. */
const goldenR9 = goldenText('R8').replace('add_queue add_queue.queue.exists EEXIST\n', 'add_queue add_queue.queue.exists EEXIST\nadd_queue add_queue.pinned.without_ipc_lock EPERM\n');
const lines = (text: string) => parseGolden(text, 'rules.R9.txt').map((g) => `${g.table} ${g.id} ${resultName(g.errno)}`);

/** The CQE of one ADD_QUEUE of `flags` on a fresh connection of `rev`, with or without CAP_IPC_LOCK. */
function addQueue(rev: RevisionId, flags: bigint, ipcLock: boolean): number | undefined {
  const cfg = baseConfig(rev, 2);
  const m = new ConnModel({ ...cfg, caps: { ...cfg.caps, CAP_IPC_LOCK: ipcLock } });
  const ev = m.run({ kind: 'uring_cmd', tag: 'q', sqe: { cmd_op: m.rev.cmdOps.FUSE_IO_URING_CMD_ADD_QUEUE!, qid: 0, flags } });
  return ev.find((e) => e.kind === 'cqe')?.res;
}

describe('a throwaway R9 defined in spec/ alone', () => {
  let undefine = () => {};
  beforeAll(() => { undefine = defineRevision(R9, r9); });
  afterAll(() => undefine());

  it('should differ from R8 in the constant FUSE_URING_PINNED and the rule add_queue.pinned.without_ipc_lock only', () => {
    expect(specDiff(revision('R8'), revision(R9))).toEqual([
      { kind: 'constant', name: 'FUSE_URING_PINNED', a: '—', b: `0x${PINNED.toString(16)}` },
      { kind: 'rule', name: NEW_ROW.id, a: '—', b: `#5 ${resultName(NEW_ROW.errno)}` },
    ]);
  });

  it('should make the model accept an ADD_QUEUE with PINNED that R8 refuses (its golden add_queue.flags.unknown), and answer the new row\'s errno without CAP_IPC_LOCK', () => {
    const r8Unknown = parseGolden(goldenText('R8'), 'rules.R8.txt').find((g) => g.id === 'add_queue.flags.unknown')!.errno;
    expect(addQueue('R8', PINNED, true)).toBe(r8Unknown);
    expect(addQueue(R9, PINNED, true)).toBe(0);
    expect(addQueue(R9, PINNED, false)).toBe(NEW_ROW.errno);
    expect(addQueue(R9, FUSE_URING_ZERO_COPY$R8, false)).toBe(0);
  });

  it('should give the new row to the R9 add_queue family alone, every other family breaking the rows its R8 twin does', () => {
    const f8 = families('R8', 2), f9 = families(R9, 2);
    expect(f9.filter((f) => f.rows.includes(NEW_ROW.id)).map((f) => f.name)).toEqual(['R9 add_queue']);
    expect(f9.map((f) => [f.name.replace(/^R9/, 'R8'), f.rows.filter((r) => r !== NEW_ROW.id)])).toEqual(f8.map((f) => [f.name, f.rows]));
  });

  it('should encode PINNED into the cmd_req.flags of an R9 ADD_QUEUE SQE through R9\'s layouts', () => {
    const r = revision(R9);
    const sqe = uringCmdSqe(r, 5, 7n, { cmd_op: r.cmdOps.FUSE_IO_URING_CMD_ADD_QUEUE!, qid: 1, flags: PINNED }, 0n, { iovArray: 0n, bufpool: 0n });
    const s = decode(r.lookup('io_uring_sqe$uring_cmd'), sqe, r.lookup);
    const value = (name: string) => r.constants.find((c) => c.name === name)!.value;
    expect(s).toMatchObject({ fd: 5, user_data: 7n, cmd_op: Number(value('FUSE_IO_URING_CMD_ADD_QUEUE')) });
    expect(decode(r.lookup(r.cmdReq), s.cmd as Uint8Array, r.lookup)).toMatchObject({ flags: value('FUSE_URING_PINNED'), qid: 1 });
  });

  it('should hold its golden file to its rows both ways: R8\'s file lacks exactly the new line', () => {
    expect(goldenMismatch(revision(R9), lines(goldenR9))).toEqual([]);
    expect(goldenMismatch(revision(R9), lines(goldenText('R8')))).toEqual(['missing from the golden file: add_queue add_queue.pinned.without_ipc_lock EPERM']);
  });

  it('should list one conformance case more than R8, the one breaking the new row expecting its EPERM in the CQE, and the model should pass every R9 case', async () => {
    const cases = ruleCases(R9, 2, parseGolden(goldenR9, 'rules.R9.txt'));
    expect(cases.length).toBe(ruleCases('R8', 2).length + 1);
    // Its data cases are R8's: the same ring set-ups and sizes.
    expect(dataCases(R9, 2).map((d) => `${d.family.replace(/^R9/, 'R8')} ${d.rule}`)).toEqual(dataCases('R8', 2).map((d) => `${d.family} ${d.rule}`));
    const mine = cases.filter((c) => c.rule === NEW_ROW.id);
    expect(mine.map((c) => [c.family.name, c.want])).toEqual([['R9 add_queue', { kind: 'cqe', res: NEW_ROW.errno }]]);
    const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
    const failed: string[] = [];
    for (const c of cases) {
      const got = showOutcome((await runScenario(model, c.scenario, c.family.observe)).outcome);
      if (got !== showOutcome(c.want)) failed.push(`${c.family.name} ${c.rule}: ${got}, want ${showOutcome(c.want)}`);
    }
    expect(failed).toEqual([]);
  });

  it('should run 200 R8 fuzz cases with no PINNED ADD_QUEUE step exactly as R8 does, events and fired rows alike', async () => {
    const addQueueOp = revision('R8').cmdOps.FUSE_IO_URING_CMD_ADD_QUEUE;
    const pinned = (c: { steps: readonly { kind: string; sqe?: { cmd_op: number; flags?: bigint } }[] }) =>
      c.steps.some((s) => s.kind === 'uring_cmd' && s.sqe!.cmd_op === addQueueOp && ((s.sqe!.flags ?? 0n) & PINNED) !== 0n);
    const cases = fc.sample(arbCase('R8', 2), { seed: 20261121, numRuns: 200 }).filter((c) => !pinned(c));
    expect(cases.length).toBeGreaterThan(150);
    const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
    for (const c of cases) expect(await model.runCase({ ...c, config: { ...c.config, revision: R9 } })).toEqual(await model.runCase(c));
  });

  // Behaviour fuzzing rarely reaches: what R8 does around an abort that R0 does not, which R9 must inherit as data.
  it.each([
    ['a client after an abort with INIT unanswered (7.x conn_error)', null, [{ kind: 'abort' }, { kind: 'client', tag: 'c', op: 'stat', cpu: 0 }]],
    ['a REGISTER after an ABORT_ERROR abort and a umount (7.x clears the abort error)', FUSE_INIT_FLAG.FUSE_ABORT_ERROR, [{ kind: 'abort' }, { kind: 'umount' }, { kind: 'uring_cmd', tag: 'r', sqe: { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER, qid: 0 } }]],
  ] as const)('should answer %s as R8 does, not as R0', (_what, initFlag, steps) => {
    const trace = (rev: RevisionId) => {
      const cfg = baseConfig(rev, 2);
      const m = new ConnModel({ ...cfg, init: initFlag === null ? null : { ...cfg.init!, flags: cfg.init!.flags | initFlag } });
      return (steps as readonly Command[]).flatMap((s) => m.run(s));
    };
    expect(trace(R9)).toEqual(trace('R8'));
    expect(trace('R8')).not.toEqual(trace('R0'));
  });
});
