import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { syncMirror, walk, walkId, writeOverlay } from './tree.js';

const work = mkdtempSync(`${tmpdir()}/furc-tree-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function base(name: string): string {
  const b = `${work}/${name}`;
  mkdirSync(`${b}/fs/fuse`, { recursive: true });
  mkdirSync(`${b}/.git`, { recursive: true });
  writeFileSync(`${b}/Makefile`, 'all:\n');
  writeFileSync(`${b}/fs/fuse/dev_uring.c`, 'int a;\n');
  writeFileSync(`${b}/.git/HEAD`, 'ref\n');
  // An old mtime, as an unpacked tarball has: a build made after it is newer.
  const old = new Date('2026-01-01T00:00:00Z');
  utimesSync(`${b}/fs/fuse/dev_uring.c`, old, old);
  return b;
}
const mtime = (p: string) => statSync(p).mtimeMs;
const ino = (p: string) => statSync(p).ino;

describe('a build slot mirror', () => {
  it('should share inodes with the base, leave out .git, and find nothing to do a second time', () => {
    const b = base('b1'), m = `${work}/m1`;
    syncMirror(b, m, new Set());
    expect(ino(`${m}/fs/fuse/dev_uring.c`)).toBe(ino(`${b}/fs/fuse/dev_uring.c`));
    expect([...walk(m).keys()].sort()).toEqual(['Makefile', 'fs/fuse/dev_uring.c']);
    expect(syncMirror(b, m, new Set())).toBe(0);
  });

  it('should pick up a file an editor replaced in the base, and drop one deleted there', () => {
    const b = base('b2'), m = `${work}/m2`;
    syncMirror(b, m, new Set());
    const before = walkId(walk(b));
    writeFileSync(`${b}/fs/fuse/dev_uring.c.new`, 'int b;\n');
    rmSync(`${b}/fs/fuse/dev_uring.c`);
    writeFileSync(`${b}/fs/fuse/dev_uring.c`, 'int b;\n');
    rmSync(`${b}/fs/fuse/dev_uring.c.new`);
    rmSync(`${b}/Makefile`);
    expect(walkId(walk(b))).not.toBe(before);
    expect(syncMirror(b, m, new Set())).toBe(2);
    expect(readFileSync(`${m}/fs/fuse/dev_uring.c`, 'utf8')).toBe('int b;\n');
    expect(walk(m).has('Makefile')).toBe(false);
  });

  it('should write a patched file as a new inode, keep its mtime when the same patch comes again, and restore the base text with a fresh mtime', () => {
    const b = base('b3'), m = `${work}/m3`;
    syncMirror(b, m, new Set());
    const f = `${m}/fs/fuse/dev_uring.c`;
    const one = writeOverlay(b, m, new Set(), new Map([['fs/fuse/dev_uring.c', 'int a = 1;\n']]));
    expect(one.changed).toEqual(['fs/fuse/dev_uring.c']);
    expect(ino(f)).not.toBe(ino(`${b}/fs/fuse/dev_uring.c`));
    expect(readFileSync(`${b}/fs/fuse/dev_uring.c`, 'utf8')).toBe('int a;\n');
    const patchedAt = mtime(f);
    expect(writeOverlay(b, m, new Set(Object.keys(one.overlay)), new Map([['fs/fuse/dev_uring.c', 'int a = 1;\n']])).changed).toEqual([]);
    expect(mtime(f)).toBe(patchedAt);
    const back = writeOverlay(b, m, new Set(Object.keys(one.overlay)), new Map());
    expect(back).toEqual({ overlay: {}, changed: ['fs/fuse/dev_uring.c'] });
    expect(readFileSync(f, 'utf8')).toBe('int a;\n');
    expect(mtime(f)).toBeGreaterThan(mtime(`${b}/fs/fuse/dev_uring.c`));
  });

  it('should remove a file a patch created once the patch is dropped', () => {
    const b = base('b4'), m = `${work}/m4`;
    syncMirror(b, m, new Set());
    const one = writeOverlay(b, m, new Set(), new Map([['fs/fuse/new.c', 'int n;\n']]));
    expect(readFileSync(`${m}/fs/fuse/new.c`, 'utf8')).toBe('int n;\n');
    writeOverlay(b, m, new Set(Object.keys(one.overlay)), new Map());
    expect(walk(m).has('fs/fuse/new.c')).toBe(false);
  });
});
