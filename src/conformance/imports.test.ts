// The conformance suite runs on the model alone: nothing of the kernel adapter is loaded to build or judge its cases.
import { describe, expect, it } from 'vitest';
import { importsOf, reach, sourcesUnder } from '../../properties/__helpers__/imports.js';

describe('src/conformance imports', () => {
  const own = sourcesUnder('src/conformance');

  it('should name no module under src/kernel in any import of its files, type imports included', () => {
    expect(own.length).toBeGreaterThan(3);
    expect(own.flatMap((f) => importsOf(f).filter((i) => i.to.startsWith('src/kernel/')).map((i) => `${f} → ${i.to}`))).toEqual([]);
  });

  it('should load no module under src/kernel through any chain of run-time imports', () => {
    const reached = reach(own, true);
    expect(reached.has('spec/model/conn.ts')).toBe(true);
    expect([...reached].filter(([f]) => f.startsWith('src/kernel/')).map(([, path]) => path.join(' → '))).toEqual([]);
  });
});
