// Families find the rows they can break in the rule tables: a row belongs when breaking it on the baseline makes it fail first.
import { describe, expect, it } from 'vitest';
import { families } from '../../spec/scenarios/families.js';
import { REVISIONS } from '../../spec/types.js';

const family = (rev: (typeof REVISIONS)[number], nr: number, name: string) => {
  const f = families(rev, nr).find((x) => x.name === `${rev} ${name}`);
  if (!f) throw new Error(`no family ${rev} ${name}`);
  return f;
};

describe('rows a family can break', () => {
  it('should list commit_and_fetch.queue.missing in R0 commit_and_fetch on 2 CPUs but not on 1, where no second queue can be missing', () => {
    expect(family('R0', 2, 'commit_and_fetch').rows).toContain('commit_and_fetch.queue.missing');
    expect(family('R0', 1, 'commit_and_fetch').rows).not.toContain('commit_and_fetch.queue.missing');
    expect(family('R0', 1, 'commit_and_fetch').rows).toContain('commit_and_fetch.commit_id.unknown');
  });

  it('should list register.qid.out_of_range in each of R8 register.per_entry, register.pool and register.registered_pool', () => {
    for (const name of ['register.per_entry', 'register.pool', 'register.registered_pool']) expect(family('R8', 2, name).rows, name).toContain('register.qid.out_of_range');
  });

  it('should leave commit_and_fetch.queue.missing out of R8 commit_and_fetch.registered_pool, whose ADD_QUEUE on qid 1 leaves no queue missing', () => {
    expect(family('R8', 2, 'commit_and_fetch.registered_pool').rows).not.toContain('commit_and_fetch.queue.missing');
    expect(family('R8', 2, 'commit_and_fetch').rows).toContain('commit_and_fetch.queue.missing');
  });

  it('should leave the R8 commit_and_fetch.ring.missing row, which has no violation (7.3 makes the ring at INIT), out of every R8 family', () => {
    expect(families('R8', 2).filter((f) => f.rows.includes('commit_and_fetch.ring.missing')).map((f) => f.name)).toEqual([]);
    expect(family('R0', 2, 'commit_and_fetch').rows).toContain('commit_and_fetch.ring.missing');
  });

  it.each(REVISIONS)('should list only rows of their own table in the %s families observed at a client (reply, deliver; R8 also deliver.registered_pool and deliver.zero_copy)', (rev) => {
    const client = families(rev, 2).filter((f) => f.observe === 'client');
    expect(client.map((f) => f.name)).toEqual([`${rev} reply`, `${rev} deliver`, ...(rev === 'R8' ? ['R8 deliver.registered_pool', 'R8 deliver.zero_copy'] : [])]);
    for (const f of client) expect(f.rows.filter((r) => !r.startsWith(`${f.table}.`)), f.name).toEqual([]);
  });
});
