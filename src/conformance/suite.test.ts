import { describe, expect, it } from 'vitest';
import { editTable, onRow } from '../../fuzz/mutants.js';
import { negErrno } from '../../spec/errno.js';
import { ModelTarget } from '../target/modelTarget.js';
import { runSuite } from './suite.js';

const machine = { nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } };
/** A model whose unbound-/dev/fuse check answers `errno`, as a kernel build might. */
const answering = (errno: string) => new ModelTarget(machine, {}, { tables: editTable('common', onRow('common.fuse_dev.missing', (c) => ({ ...c, errno: negErrno(errno as 'EPERM') }))) });
const noDev = async (t: ModelTarget) => (await runSuite(t, ['R0'], 2)).filter((r) => r.rule === 'common.fuse_dev.missing');

describe('runSuite known differences', () => {
  it('should report ENOTCONN on common.fuse_dev.missing (6.14–6.17) as XFAIL with the fuse_dev_i.h link, in both R0 families that reach it', async () => {
    const rows = await noDev(answering('ENOTCONN'));
    expect(rows.map((r) => [r.family, r.verdict.kind, r.observed])).toEqual([['R0 register', 'XFAIL', 'cqe -ENOTCONN'], ['R0 commit_and_fetch', 'XFAIL', 'cqe -ENOTCONN']]);
    expect(rows[0]!.verdict).toEqual({ kind: 'XFAIL', rule: 'common.fuse_dev.missing', link: expect.stringContaining('fs/fuse/fuse_dev_i.h?h=v6.18') });
  });

  it('should still FAIL an errno no kernel is known to give (EBADF) and PASS EPERM', async () => {
    expect((await noDev(answering('EBADF'))).map((r) => r.verdict.kind)).toEqual(['FAIL', 'FAIL']);
    expect((await noDev(new ModelTarget(machine))).map((r) => r.verdict.kind)).toEqual(['PASS', 'PASS']);
  });
});

describe('runSuite on one CPU', () => {
  it('should PASS or SKIP every case of R0 and R8 on a 1-CPU model, with no commit_and_fetch.queue.missing case (no second queue to miss)', async () => {
    const results = await runSuite(new ModelTarget({ ...machine, nr_cpus: 1 }), ['R0', 'R8'], 1);
    expect(results.filter((r) => r.verdict.kind !== 'PASS' && r.verdict.kind !== 'SKIP').map((r) => `${r.family}/${r.rule}`)).toEqual([]);
    expect(results.filter((r) => r.rule === 'commit_and_fetch.queue.missing')).toEqual([]);
    expect(results.filter((r) => r.rule === 'commit_and_fetch.commit_id.unknown').map((r) => r.family)).toEqual(['R0 commit_and_fetch', 'R8 commit_and_fetch', 'R8 commit_and_fetch.registered_pool', 'R8 commit_and_fetch.zero_copy']);
  });
});

describe('runSuite on several targets', () => {
  /** A model that counts the connections opened on it. */
  class Counting extends ModelTarget {
    opened = 0;
    override async open(cfg: Parameters<ModelTarget['open']>[0]) { this.opened++; return super.open(cfg); }
  }

  it('should give the same 406 results in the same order on 3 targets as on 1, each target opening some of the connections', async () => {
    const one = await runSuite(new ModelTarget(machine), ['R0', 'R4', 'R7', 'R8'], 2);
    const three = [new Counting(machine), new Counting(machine), new Counting(machine)];
    const seen: string[] = [];
    const got = await runSuite(three, ['R0', 'R4', 'R7', 'R8'], 2, (r) => seen.push(`${r.family}/${r.rule}`));
    expect(got).toEqual(one);
    expect(got).toHaveLength(406);
    // onResult hears them in suite order too, as they are reported.
    expect(seen).toEqual(one.map((r) => `${r.family}/${r.rule}`));
    expect(three.map((t) => t.opened > 0)).toEqual([true, true, true]);
  });
});
