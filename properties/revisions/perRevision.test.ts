// perRevision: a value derived once per revision, each revision answered with its own, however they alternate.
import { describe, expect, it } from 'vitest';
import { perRevision, revision } from '../../spec/revisions.js';

describe('perRevision', () => {
  it('should derive once per revision and answer R0, R8, R8, R0, R4 each with its own value (3 derivations for 5 calls)', () => {
    const derived: string[] = [];
    const f = perRevision((rev) => { derived.push(rev.id); return { id: rev.id }; });
    const ids = ['R0', 'R8', 'R8', 'R0', 'R4'];
    expect(ids.map((id) => f(revision(id)).id)).toEqual(ids);
    expect(derived).toEqual(['R0', 'R8', 'R4']);
    expect(f(revision('R8'))).toBe(f(revision('R8')));
  });

  it('should derive a revision whose value is undefined once, not on every call', () => {
    let n = 0;
    const f = perRevision(() => { n++; return undefined; });
    [0, 1, 2].forEach(() => f(revision('R0')));
    f(revision('R8')); f(revision('R0'));
    expect(n).toBe(2);
  });
});
