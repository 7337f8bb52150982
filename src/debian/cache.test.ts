// The kernel cache: entries appear whole or not at all, and pruning removes leftovers and the least recently used first.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commit, lookup, newTemp, parseSize, prune, type Entry } from './cache.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const root = () => { const r = mkdtempSync(`${tmpdir()}/furc-cache-test-`); roots.push(r); return r; };

const entry = (id: string): Entry => ({ id, release: id, upstream: id, suite: 'trixie-backports', packageVersion: '1', kernel: 'boot/vmlinuz', modules: null, header: null, fetchedAt: '2026-11-30T00:00:00Z' });

/** An entry of `mib` MiB last used `ageH` hours ago. */
function add(r: string, id: string, mib: number, ageH: number): void {
  const t = newTemp(r);
  writeFileSync(join(t, 'blob'), Buffer.alloc(mib * 2 ** 20));
  const e = commit(t, entry(id), r);
  const at = new Date(Date.now() - ageH * 3600_000);
  utimesSync(join(e.dir, 'entry.json'), at, at);
}

describe('kernel cache', () => {
  it('should make an entry visible only once committed, and leave no temporary directory behind', () => {
    const r = root();
    const t = newTemp(r);
    expect(lookup('7.1.7', r)).toBeNull();
    commit(t, entry('7.1.7'), r);
    expect(lookup('7.1.7', r)?.release).toBe('7.1.7');
    expect(readdirSync(join(r, 'debian'))).toEqual(['7.1.7']);
  });

  it('should keep the first copy when two processes commit the same build', () => {
    const r = root();
    const a = newTemp(r), b = newTemp(r);
    writeFileSync(join(a, 'mark'), 'a');
    commit(a, entry('7.2.6'), r);
    commit(b, entry('7.2.6'), r);
    expect(existsSync(join(r, 'debian', '7.2.6', 'mark'))).toBe(true);
    expect(readdirSync(join(r, 'debian'))).toEqual(['7.2.6']);
  });

  it('should prune three 2 MiB builds to a 5 MiB bound by removing the oldest-used one that is not kept', () => {
    const r = root();
    add(r, '6.18.5', 2, 30); add(r, '6.19.6', 2, 20); add(r, '7.0.4', 2, 10);
    const p = prune(5 * 2 ** 20, new Set(['6.18.5']), r);
    expect(p.removed).toEqual(['6.19.6']);
    expect(readdirSync(join(r, 'debian')).sort()).toEqual(['6.18.5', '7.0.4']);
  });

  it('should remove the temporary directory of a dead process and a directory without entry.json, not a live temp', () => {
    const r = root();
    mkdirSync(join(r, 'debian', '.tmp-999999999-x'), { recursive: true });
    mkdirSync(join(r, 'debian', 'half-written'));
    const live = newTemp(r);
    expect([...prune(Infinity, new Set(), r).removed].sort()).toEqual(['.tmp-999999999-x', 'half-written']);
    expect(existsSync(live)).toBe(true);
  });

  it('should read 8G as 8 GiB, 500M as 500 MiB and refuse "lots"', () => {
    expect([parseSize('8G'), parseSize('500M'), parseSize('1024'), parseSize('lots')]).toEqual([8 * 2 ** 30, 500 * 2 ** 20, 1024, null]);
  });
});
