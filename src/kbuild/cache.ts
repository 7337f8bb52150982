// The kernel build cache outside the repo: unpacked sources, build slots, finished images; locked per entry, bounded in size.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';

export const CACHE = process.env.FURC_KBUILD_CACHE ?? '/var/cache/furc/kbuild';
/** Where fetched .deb files and archive indexes live (shared with the hand-fetched sources already there). */
export const DOWNLOADS = process.env.FURC_DEBIAN_CACHE ?? '/var/cache/furc/src';
/** Slots and images beyond this many bytes are evicted, least recently used first. */
export const MAX_BYTES = Number(process.env.FURC_KBUILD_MAX_GB ?? 20) * 2 ** 30;

export const dirs = (root = CACHE) => ({ src: `${root}/src`, slots: `${root}/slots`, images: `${root}/images`, results: `${root}/kmutants` });

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; } };

/** Takes `<dir>.lock` (pid inside); waits while a live process holds it, takes over a dead one's. Returns the release function. */
export async function lock(dir: string, say: (s: string) => void): Promise<() => void> {
  const path = `${dir}.lock`;
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(path, 'utf8').trim() || '0');
      if (!holder || !alive(holder)) { rmSync(path, { force: true }); continue; }
      if (!told) { say(`waiting for pid ${holder}, which is building in ${dir}`); told = true; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Marks an entry used now (eviction goes by this). */
export function touch(dir: string): void { const t = new Date(); try { utimesSync(dir, t, t); } catch { /* gone */ } }

/** Bytes under root, hard links counted once (du does that within one run). */
export function usage(root: string): number {
  try { return Number(execFileSync('du', ['-sb', root], { encoding: 'utf8' }).split('\t')[0]); } catch { return 0; }
}

/** Evicts images and slots, oldest use first, until the cache is under max; `keep` is never evicted, nor anything locked. */
export function evict(root: string, max: number, keep: readonly string[], say: (s: string) => void): void {
  const d = dirs(root);
  if (usage(root) <= max) return;
  const entries = [d.images, d.slots].flatMap((p) => (existsSync(p) ? readdirSync(p).filter((n) => !n.endsWith('.lock') && !n.includes('.part')).map((n) => `${p}/${n}`) : []))
    .filter((p) => !keep.includes(p) && !existsSync(`${p}.lock`))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  for (const e of entries) {
    rmSync(e, { recursive: true, force: true });
    say(`cache over ${(max / 2 ** 30).toFixed(0)} GiB: evicted ${e}`);
    if (usage(root) <= max) return;
  }
}
