// The reviewed golden tables of R4 and R7 list exactly the spec's check rows (default assumptions), in table order.
import { describe, expect, it } from 'vitest';
import { revision } from '../../spec/revisions.js';
import { goldenLines } from '../../spec/rules/listing.js';
import { resultName } from '../../spec/rules/types.js';
import { golden } from '../../src/conformance/golden.js';

describe.each(['R4', 'R7'] as const)('golden rule table of %s', (rev) => {
  it(`should equal the spec's rows of ${rev} line for line: table, rule id, errno`, () => {
    expect(golden(rev).map((g) => `${g.table} ${g.id} ${resultName(g.errno)}`)).toEqual(goldenLines(revision(rev)));
  });
});
