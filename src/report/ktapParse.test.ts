// The KTAP reader against the rules of Documentation/dev-tools/ktap.rst, one rule per case.
import { describe, expect, it } from 'vitest';
import { parseKtap } from './ktapParse.js';

const lines = (...l: string[]) => l.join('\n') + '\n';

describe('KTAP reader', () => {
  it('should read a version line, plan 1..2 and two results, one with a SKIP directive and its reason', () => {
    const p = parseKtap(lines('KTAP version 1', '1..2', 'ok 1 first_case', 'ok 2 second_case # SKIP no /dev/fuse'));
    expect(p.errors).toEqual([]);
    expect(p.root!.plan).toBe(2);
    expect(p.root!.results.map((r) => [r.number, r.ok, r.name, r.directive, r.diagnostic])).toEqual([
      [1, true, 'first_case', null, ''], [2, true, 'second_case', 'SKIP', 'no /dev/fuse']]);
  });

  it('should accept "TAP version 13" and "TAP version 14" as version lines and refuse output whose first line is "KTAP version 2" (an unknown line, so the plan comes first)', () => {
    expect(parseKtap(lines('TAP version 13', '1..1', 'ok 1 a')).errors).toEqual([]);
    expect(parseKtap(lines('TAP version 14', '1..1', 'ok 1 a')).errors).toEqual([]);
    expect(parseKtap(lines('KTAP version 2', '1..1', 'ok 1 a')).errors).toEqual(['line 2: KTAP output must begin with a version line (KTAP version 1, TAP version 13 or 14)']);
  });

  it('should read each of SKIP, TODO, XFAIL, TIMEOUT and ERROR as a directive, and an unknown word as diagnostic data', () => {
    const p = parseKtap(lines('KTAP version 1', '1..6', 'ok 1 a # SKIP why', 'not ok 2 b # TODO later', 'ok 3 c # XFAIL known',
      'not ok 4 d # TIMEOUT 30 seconds', 'not ok 5 e # ERROR worker died', 'ok 6 f # rcode=0'));
    expect(p.errors).toEqual([]);
    expect(p.root!.results.map((r) => [r.directive, r.diagnostic])).toEqual([
      ['SKIP', 'why'], ['TODO', 'later'], ['XFAIL', 'known'], ['TIMEOUT', '30 seconds'], ['ERROR', 'worker died'], [null, 'rcode=0']]);
  });

  it('should refuse TIMEOUT and ERROR on an "ok" line', () => {
    const p = parseKtap(lines('KTAP version 1', '1..2', 'ok 1 a # TIMEOUT 5 s', 'ok 2 b # ERROR x'));
    expect(p.errors).toEqual(['line 3: TIMEOUT belongs on a "not ok" line: ok 1 a # TIMEOUT 5 s', 'line 4: ERROR belongs on a "not ok" line: ok 2 b # ERROR x']);
  });

  it('should refuse test number 3 after 1, and a plan of 3 with 2 results', () => {
    const p = parseKtap(lines('KTAP version 1', '1..3', 'ok 1 a', 'ok 3 b'));
    expect(p.errors).toEqual(['line 4: test number 3, want 2', 'line 1: plan 1..3 but 2 results']);
  });

  it('should accept a block without a plan line, which the spec allows when the count is unknown', () => {
    const p = parseKtap(lines('KTAP version 1', 'ok 1 a', 'ok 2 b'));
    expect([p.errors, p.root!.plan, p.root!.results.length]).toEqual([[], null, 2]);
  });

  it('should nest a block indented two spaces under the result line that follows it, with the parent failing when a subtest fails', () => {
    const p = parseKtap(lines('KTAP version 1', '1..2',
      '  KTAP version 1', '  1..2', '  ok 1 inner_a', '  not ok 2 inner_b', '# the group failed', 'not ok 1 group',
      'ok 2 plain'));
    expect(p.errors).toEqual([]);
    const [group, plain] = p.root!.results;
    expect(group!.subtests!.results.map((r) => [r.name, r.ok])).toEqual([['inner_a', true], ['inner_b', false]]);
    expect(group!.diagnostics).toEqual(['the group failed']);
    expect([plain!.name, plain!.subtests]).toEqual(['plain', null]);
  });

  it('should refuse a parent that is ok while one of its subtests is "not ok" without SKIP', () => {
    const p = parseKtap(lines('KTAP version 1', '1..1', '  KTAP version 1', '  1..1', '  not ok 1 inner', 'ok 1 group'));
    expect(p.errors).toEqual(['line 6: "group" does not fail although one of its subtests failed']);
  });

  it('should let a parent pass when its subtests are skipped or XFAIL, and read three levels of nesting', () => {
    const p = parseKtap(lines('KTAP version 1', '1..1',
      '  KTAP version 1', '  1..1',
      '    KTAP version 1', '    1..2', '    not ok 1 deep # SKIP n/a', '    ok 2 deeper # XFAIL known difference',
      '  ok 1 middle', 'ok 1 top'));
    expect(p.errors).toEqual([]);
    expect(p.root!.results[0]!.subtests!.results[0]!.subtests!.results.map((r) => r.directive)).toEqual(['SKIP', 'XFAIL']);
  });

  it('should take the name of a nested block from "# Subtest: NAME" and refuse a result line that names another test', () => {
    const good = parseKtap(lines('KTAP version 1', '1..1', '  KTAP version 1', '  # Subtest: R8', '  1..1', '  ok 1 a', 'ok 1 R8'));
    expect([good.errors, good.root!.results[0]!.subtests!.subtestName]).toEqual([[], 'R8']);
    expect(parseKtap(lines('KTAP version 1', '1..1', '  KTAP version 1', '  # Subtest: R8', '  1..1', '  ok 1 a', 'ok 1 R0')).errors)
      .toEqual(['line 7: result "R0" closes "# Subtest: R8"']);
  });

  it('should keep unknown lines (kernel log) out of the results, indented or not', () => {
    const p = parseKtap(lines('KTAP version 1', '1..1', '[   12.5] fuse: init (API version 7.45)', '  random text', 'ok 1 a'));
    expect([p.errors, p.unknown, p.root!.results.length]).toEqual([[], ['[   12.5] fuse: init (API version 7.45)', 'random text'], 1]);
  });

  it('should refuse a "#" glued to the description, which cannot contain one', () => {
    expect(parseKtap(lines('KTAP version 1', '1..1', 'ok 1 a#b')).errors).toEqual(["line 3: '#' must be preceded by a space: ok 1 a#b"]);
  });

  it('should refuse a nested block with no result line for its parent, and a result line after the top-level block', () => {
    expect(parseKtap(lines('KTAP version 1', '1..0', '  KTAP version 1', '  1..1', '  ok 1 a')).errors).toEqual(['line 5: a nested block has no result line for its parent']);
    expect(parseKtap(lines('KTAP version 1', '1..1', 'ok 1 a', 'KTAP version 1', 'ok 1 b')).errors)
      .toEqual(['line 4: version line after the end of the top-level block: KTAP version 1', 'line 5: result line after the end of the top-level block: ok 1 b']);
  });
});
