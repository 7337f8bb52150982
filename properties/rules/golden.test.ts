// The reviewed golden rule tables list exactly the spec's check rows (default assumptions), in table order, both ways.
import { describe, expect, it } from 'vitest';
import { revision } from '../../spec/revisions.js';
import { goldenMismatch } from '../../spec/rules/listing.js';
import { resultName } from '../../spec/rules/types.js';
import { REVISIONS } from '../../spec/types.js';
import { golden } from '../../src/conformance/golden.js';

const lines = (rev: (typeof REVISIONS)[number]) => golden(rev).map((g) => `${g.table} ${g.id} ${resultName(g.errno)}`);

describe.each(REVISIONS)('golden rule table of %s', (rev) => {
  it(`should name every check row of ${rev} and no other, with the spec's result and in the spec's order`, () => {
    expect(goldenMismatch(revision(rev), lines(rev))).toEqual([]);
  });
});

describe('golden mismatches', () => {
  const r0 = revision('R0'), file = lines('R0');
  const at = (id: string) => file.findIndex((l) => l.split(' ')[1] === id);

  it('should report the R0 row register.payload.too_short as missing when its line is dropped', () => {
    expect(goldenMismatch(r0, file.filter((_, i) => i !== at('register.payload.too_short')))).toEqual([
      'missing from the golden file: register register.payload.too_short EINVAL']);
  });

  it('should report a golden line naming register.payload.too_long as not in the spec', () => {
    expect(goldenMismatch(r0, [...file, 'register register.payload.too_long EINVAL'])).toEqual(['not in the spec: register register.payload.too_long EINVAL']);
  });

  it('should report register.qid.out_of_range written as EPERM where the spec says EINVAL', () => {
    expect(goldenMismatch(r0, file.map((l) => (l === 'register register.qid.out_of_range EINVAL' ? 'register register.qid.out_of_range EPERM' : l)))).toEqual([
      'result differs: spec register register.qid.out_of_range EINVAL, golden file register register.qid.out_of_range EPERM']);
  });

  it('should report common.conn.aborted listed before common.enable_uring.off as out of the spec\'s order', () => {
    const i = at('common.enable_uring.off'), j = at('common.conn.aborted');
    expect(j).toBe(i + 1);
    const swapped = file.map((l, k) => (k === i ? file[j]! : k === j ? file[i]! : l));
    expect(goldenMismatch(r0, swapped)).toEqual(['order: the spec has common common.enable_uring.off where the golden file has common common.conn.aborted']);
  });
});
