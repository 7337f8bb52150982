import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applySeries, parsePatchFile } from '../kbuild/patch.js';
import { KINDS, KMUTANTS, type KMutant } from './list.js';
import { renderMutant } from './mutant.js';

/** Debian's 7.2.13 fs/fuse, unpacked by whoever fetched linux-source-7.2 (FURC_KSRC names another tree). */
const SRC = process.env.FURC_KSRC ?? '/var/cache/furc/src/linux-source-7.2';
const src = (f: string) => (existsSync(`${SRC}/${f}`) ? readFileSync(`${SRC}/${f}`, 'utf8') : null);
const mutated = (m: KMutant, text: string) => m.edits.reduce((t, e) => t.replace(e.before, e.after), text);

describe('the kernel mutant list', () => {
  it('should hold at least 20 mutants with distinct kebab-case ids and a reason each', () => {
    expect(KMUTANTS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(KMUTANTS.map((m) => m.id)).size).toBe(KMUTANTS.length);
    for (const m of KMUTANTS) {
      expect(m.id, m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
      expect(m.reason.length, m.id).toBeGreaterThan(20);
    }
  });

  it('should cover every kind: errno, check-removed, checks-swapped, boundary, wakeup-dropped, list-move-dropped, fix-reverted', () => {
    expect(new Set(KMUTANTS.map((m) => m.kind))).toEqual(new Set(KINDS));
  });

  it('should change something in every edit and keep each mutant under 12 removed or added lines', () => {
    for (const m of KMUTANTS) {
      const size = m.edits.reduce((n, e) => n + e.before.split('\n').length + (e.after ? e.after.split('\n').length : 0), 0);
      expect(m.edits.every((e) => e.before !== e.after), m.id).toBe(true);
      expect(size, m.id).toBeLessThanOrEqual(24);
    }
  });

  it('should render a mutant as SKIP naming the first line when its context is gone, and when it occurs twice', () => {
    const m: KMutant = { id: 'errno-x', kind: 'errno', file: 'fs/fuse/dev_uring.c', reason: 'a made-up mutant for this test only', edits: [{ before: '\treturn -EINVAL;', after: '\treturn -EIO;' }] };
    expect(renderMutant(m, 'int f(void)\n{\n\treturn 0;\n}\n')).toEqual({ kind: 'skip', why: "context gone: fs/fuse/dev_uring.c no longer contains 'return -EINVAL;'" });
    expect(renderMutant(m, '\treturn -EINVAL;\n\treturn -EINVAL;\n')).toEqual({ kind: 'skip', why: "context ambiguous: 'return -EINVAL;' occurs 2 times in fs/fuse/dev_uring.c" });
    expect(renderMutant(m, null)).toEqual({ kind: 'skip', why: 'context gone: the tree has no fs/fuse/dev_uring.c' });
  });

  const why = src('fs/fuse/dev_uring.c') === null ? `Debian 7.2.13 source not found at ${SRC} (set FURC_KSRC to an unpacked linux-source-7.2)` : null;
  it.skipIf(why !== null)(`should turn every mutant into a patch that applies to 7.2.13 and makes exactly its edits${why ? ` — SKIP: ${why}` : ''}`, () => {
    for (const m of KMUTANTS) {
      const text = src(m.file)!;
      const r = renderMutant(m, text);
      expect(r.kind, `${m.id}: ${r.kind === 'skip' ? r.why : ''}`).toBe('patch');
      if (r.kind !== 'patch') continue;
      const out = applySeries(parsePatchFile(r.patch, m.id), (p) => (p === m.file ? text : null));
      expect(out.get(m.file), m.id).toBe(mutated(m, text));
    }
  });
});
