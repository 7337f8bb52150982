// A build slot's source tree: a hard-link mirror of the base tree, with the files a patch series changes written as real copies.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Entry { readonly ino: number; readonly size: number; readonly mtime: string; readonly link: string | null }

/** Every file and symlink under root (relative paths) with what tells a change apart: inode, size, mtime; one find(1), not 95k lstat calls. */
export function walk(root: string): Map<string, Entry> {
  const raw = execFileSync('find', ['.', '(', '-name', '.git', '-o', '-name', '.hg', '-o', '-name', '.svn', ')', '-prune', '-o', '!', '-type', 'd', '-printf', '%P\\0%i\\0%s\\0%T@\\0%y\\0%l\\0'], { cwd: root, maxBuffer: 1 << 30 }).toString('utf8').split('\0');
  const out = new Map<string, Entry>();
  for (let i = 0; i + 6 <= raw.length; i += 6) {
    out.set(raw[i]!, { ino: Number(raw[i + 1]), size: Number(raw[i + 2]), mtime: raw[i + 3]!, link: raw[i + 4] === 'l' ? raw[i + 5]! : null });
  }
  return out;
}

/** A hash of the walk: equal walks mean the tree was not touched (content changes move mtime or inode). */
export function walkId(w: Map<string, Entry>): string {
  const h = createHash('sha256');
  for (const [p, e] of [...w].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${p}\0${e.ino}\0${e.size}\0${e.mtime}\0${e.link ?? ''}\n`);
  return h.digest('hex');
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function place(base: string, mirror: string, p: string, e: Entry): void {
  const dst = `${mirror}/${p}`;
  mkdirSync(dirname(dst), { recursive: true });
  rmSync(dst, { force: true });
  if (e.link !== null) { symlinkSync(e.link, dst); return; }
  try { linkSync(`${base}/${p}`, dst); } catch { copyFileSync(`${base}/${p}`, dst); }
}

/**
 * Brings mirror in line with base, except the overlay paths (patched files, handled by writeOverlay).
 * Returns how many paths changed. A file counts as unchanged while the mirror shares its inode, or a copy has its size and mtime.
 */
export function syncMirror(base: string, mirror: string, overlay: ReadonlySet<string>, baseWalk = walk(base)): number {
  if (!existsSync(mirror)) {
    // A fresh mirror is one cp -al (seconds for 95k files); version control directories are not part of the build.
    mkdirSync(dirname(mirror), { recursive: true });
    execFileSync('cp', ['-al', base, mirror]);
    for (const vc of ['.git', '.hg', '.svn']) rmSync(`${mirror}/${vc}`, { recursive: true, force: true });
  }
  const have = existsSync(mirror) ? walk(mirror) : new Map<string, Entry>();
  let n = 0;
  for (const [p, e] of baseWalk) {
    if (overlay.has(p)) continue;
    const m = have.get(p);
    const same = m && (e.link !== null ? m.link === e.link : m.link === null && (m.ino === e.ino || (m.size === e.size && m.mtime === e.mtime)));
    if (!same) { place(base, mirror, p, e); n++; }
  }
  for (const p of have.keys()) if (!baseWalk.has(p) && !overlay.has(p)) { rmSync(`${mirror}/${p}`, { force: true }); n++; }
  return n;
}

/** Writes text to path through a temp file and a rename: a new inode, so the base tree's linked copy is untouched. */
export function writeNew(path: string, text: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.furc-tmp`;
  const fd = openSync(tmp, 'w');
  try { writeSync(fd, typeof text === 'string' ? Buffer.from(text) : text); } finally { closeSync(fd); }
  renameSync(tmp, path);
}

/**
 * Makes the mirror hold `want` (path → content, null = absent) and puts back base's version of every path of `before`
 * that `want` no longer names. Files whose content is already right are left alone (their mtime too), so make rebuilds
 * only what changed; every other file gets a fresh mtime. Returns the new overlay: path → sha256 of its content, or null.
 */
export function writeOverlay(base: string, mirror: string, before: ReadonlySet<string>, want: ReadonlyMap<string, string | null>): { overlay: Record<string, string | null>; changed: string[] } {
  const changed: string[] = [];
  const current = (p: string): Buffer | null => { try { return lstatSync(`${mirror}/${p}`).isFile() ? readFileSync(`${mirror}/${p}`) : null; } catch { return null; } };
  const put = (p: string, content: Buffer | null) => {
    const cur = current(p);
    if (content === null ? cur === null : cur !== null && cur.equals(content)) return;
    if (content === null) rmSync(`${mirror}/${p}`, { force: true }); else writeNew(`${mirror}/${p}`, content);
    changed.push(p);
  };
  for (const p of before) {
    if (want.has(p)) continue;
    // Restored as a copy with a fresh mtime: the objects built from the patched file are older than it.
    put(p, existsSync(`${base}/${p}`) && statSync(`${base}/${p}`).isFile() ? readFileSync(`${base}/${p}`) : null);
  }
  const overlay: Record<string, string | null> = {};
  for (const [p, text] of want) {
    put(p, text === null ? null : Buffer.from(text));
    overlay[p] = text === null ? null : sha(text);
  }
  return { overlay, changed };
}
