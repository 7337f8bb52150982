// Rules and model share spec/conn (commands, ConnState, Probe) and do not import each other: the model reads the rules.
import { describe, expect, it } from 'vitest';
import { importsOf, reach, sourcesUnder } from '../__helpers__/imports.js';

describe('spec/rules and spec/model imports', () => {
  it('should reach no module under spec/model from any rule file, type imports included', () => {
    const rules = sourcesUnder('spec/rules');
    const reached = reach(rules, false);
    expect(reached.has('spec/conn/probe.ts')).toBe(true);
    expect([...reached].filter(([f]) => f.startsWith('spec/model/')).map(([, path]) => path.join(' → '))).toEqual([]);
  });

  it('should find spec/conn importing neither spec/rules nor spec/model', () => {
    const conn = sourcesUnder('spec/conn');
    expect(conn).toEqual(expect.arrayContaining(['spec/conn/commands.ts', 'spec/conn/state.ts', 'spec/conn/probe.ts']));
    expect(conn.flatMap((f) => importsOf(f).filter((i) => /^spec\/(rules|model)\//.test(i.to)).map((i) => `${f} → ${i.to}`))).toEqual([]);
  });
});
