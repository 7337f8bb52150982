// --debian lists: suites, version globs, and items that carry on the suite named before them.
import { describe, expect, it } from 'vitest';
import { parseDebianList } from './debianList.js';

describe('--debian SUITE[:GLOB] lists', () => {
  it('should read "trixie-backports:6.17.13,6.18.*,sid:7.2.13,experimental" as three suites and four globs', () => {
    expect(parseDebianList('trixie-backports:6.17.13,6.18.*,sid:7.2.13,experimental')).toEqual([
      { suite: 'trixie-backports', glob: '6.17.13' }, { suite: 'trixie-backports', glob: '6.18.*' }, { suite: 'sid', glob: '7.2.13' }, { suite: 'experimental', glob: '*' }]);
  });

  it('should refuse "7.2.*" alone and ":7.2.*", which name no suite', () => {
    for (const bad of ['7.2.*', ':7.2.*']) expect(() => parseDebianList(bad)).toThrow(`--debian ${bad}: '${bad}' names no suite`);
  });
});
