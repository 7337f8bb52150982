// Debian's linux-source-<series> package: looked up in a suite's signed index, fetched once, checked by sha256 at every step.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

export class DebianError extends Error {}

export const MIRROR = process.env.FURC_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
export const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface DebianSource { readonly suite: string; readonly index: string; readonly pkg: string }

/** Where each series is packaged. trixie-backports' binary-all index was found stale on the mirror; binary-amd64 lists arch:all packages too. */
export const DEBIAN_SOURCES: Readonly<Record<string, DebianSource>> = {
  '7.2': { suite: 'sid', index: 'main/binary-all/Packages.xz', pkg: 'linux-source-7.2' },
  '7.3': { suite: 'trixie-backports', index: 'main/binary-amd64/Packages.xz', pkg: 'linux-source-7.3' },
};

export interface PackageEntry { readonly pkg: string; readonly version: string; readonly filename: string; readonly sha256: string; readonly size: number }

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Downloads url to path through a temp file in the same directory, renamed into place only when complete. */
async function download(url: string, path: string): Promise<void> {
  const tmp = `${path}.part-${process.pid}`;
  try {
    const r = await fetch(url);
    if (!r.ok || !r.body) throw new DebianError(`GET ${url}: HTTP ${r.status}`);
    await pipeline(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream), createWriteStream(tmp));
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof DebianError) throw e;
    throw new DebianError(`GET ${url}: ${(e as Error).message}`);
  }
}

/** The text gpgv vouches for (only the signed part of InRelease), or an error naming the file. */
export function verifiedInRelease(path: string): string {
  const r = spawnSync('gpgv', ['--keyring', KEYRING, '--output', '-', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new DebianError(`gpgv not found: install the Debian packages gpgv and debian-archive-keyring (${r.error.message})`);
  if (r.status !== 0) throw new DebianError(`${path} does not verify against ${KEYRING}: ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

/** sha256 and size of one index file, from the SHA256 section of a verified Release text. */
export function releaseEntry(release: string, file: string): { sha256: string; size: number } | null {
  const sec = release.split(/^SHA256:\s*$/m)[1];
  if (!sec) return null;
  for (const l of sec.split('\n')) {
    if (!l.startsWith(' ')) { if (l.trim() !== '') break; continue; }
    const [sha, size, name] = l.trim().split(/\s+/);
    if (name === file) return { sha256: sha!, size: Number(size) };
  }
  return null;
}

/** Every stanza of a Packages text that names `pkg` (found by its Package line: the index has tens of thousands). */
export function packageEntries(packages: string, pkg: string): PackageEntry[] {
  const out: PackageEntry[] = [];
  const needle = `Package: ${pkg}\n`;
  for (let i = packages.indexOf(needle); i >= 0; i = packages.indexOf(needle, i + 1)) {
    if (i > 0 && packages[i - 1] !== '\n') continue;
    const end = packages.indexOf('\n\n', i);
    const st = packages.slice(i, end < 0 ? packages.length : end);
    const f = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(st)?.[1]?.trim();
    const version = f('Version'), filename = f('Filename'), sha256 = f('SHA256'), size = f('Size');
    if (version && filename && sha256 && size) out.push({ pkg, version, filename, sha256, size: Number(size) });
  }
  return out;
}

const newest = (es: PackageEntry[]) => es.reduce((a, b) => (spawnSync('dpkg', ['--compare-versions', b.version, 'gt', a.version]).status === 0 ? b : a));

/** The package's index entry, every link checked: InRelease by gpgv, the Packages file by the sha256 InRelease gives. */
export async function lookup(src: DebianSource, dl: string, say: (s: string) => void): Promise<PackageEntry> {
  mkdirSync(`${dl}/.idx`, { recursive: true });
  const rel = `${dl}/InRelease.${src.suite}`;
  for (const fresh of [false, true]) {
    if (fresh || !existsSync(rel)) { say(`fetching ${src.suite} InRelease`); await download(`${MIRROR}/dists/${src.suite}/InRelease`, rel); }
    const want = releaseEntry(verifiedInRelease(rel), src.index);
    if (!want) throw new DebianError(`${rel} lists no ${src.index}`);
    // Cached index files are found by size and hash, whatever they were named when fetched.
    const cands = readdirSync(`${dl}/.idx`).map((f) => `${dl}/.idx/${f}`).filter((p) => statSync(p).isFile() && statSync(p).size === want.size);
    let idx: string | null = null;
    for (const c of cands) if ((await sha256File(c)) === want.sha256) { idx = c; break; }
    if (!idx) {
      idx = `${dl}/.idx/${src.suite}_${src.index.replace(/\//g, '_')}`;
      say(`fetching ${src.suite} ${src.index}`);
      await download(`${MIRROR}/dists/${src.suite}/${src.index}`, idx);
      const got = await sha256File(idx);
      if (got !== want.sha256) {
        rmSync(idx, { force: true });
        if (!fresh) continue;
        throw new DebianError(`${src.suite} ${src.index}: sha256 ${got} is not the ${want.sha256} its InRelease gives (a stale mirror?)`);
      }
    }
    // awk keeps only the package's stanzas: Node reading all of a 27 MB decompressed index through a pipe takes seconds.
    const stanzas = execFileSync('sh', ['-c', 'xz -dc "$1" | awk -v p="Package: $2" \'BEGIN { RS = ""; ORS = "\\n\\n" } index($0, p "\\n") == 1\'', 'sh', idx, src.pkg], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const entries = packageEntries(stanzas, src.pkg);
    if (entries.length) return newest(entries);
    if (fresh) throw new DebianError(`${src.pkg} is not in ${src.suite} (${src.index})`);
  }
  throw new DebianError('unreachable');
}

/** The .deb in the download cache, fetched if missing, and its sha256 checked against the index entry either way. */
export async function fetchDeb(e: PackageEntry, dl: string, say: (s: string) => void): Promise<string> {
  const path = `${dl}/${basename(e.filename)}`;
  if (!existsSync(path)) { say(`fetching ${basename(e.filename)} (${(e.size / 1e6).toFixed(0)} MB)`); await download(`${MIRROR}/${e.filename}`, path); }
  const got = await sha256File(path);
  if (got !== e.sha256) {
    rmSync(path, { force: true });
    throw new DebianError(`${path}: sha256 ${got} is not the ${e.sha256} of the signed index; removed it, run again to refetch`);
  }
  return path;
}

/** Unpacks the source tarball inside the .deb into `dest` (renamed into place when complete), with a provenance record beside it. */
export function unpackSource(deb: string, e: PackageEntry, src: DebianSource, dest: string): void {
  const tmp = `${dest}.part-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(`${tmp}/tree`, { recursive: true });
  try {
    const tarball = `./usr/src/${src.pkg}.tar.xz`;
    const sh = `dpkg-deb --fsys-tarfile "$1" | tar -xO "$2" | nice -n 10 tar -xJ --strip-components=1 -C "$3"`;
    const r = spawnSync('sh', ['-c', sh, 'sh', deb, tarball, `${tmp}/tree`], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(`${tmp}/tree/Makefile`)) throw new DebianError(`unpacking ${tarball} from ${deb} failed: ${r.stderr.trim().split('\n').pop() ?? `status ${r.status}`}`);
    writeFileSync(`${tmp}/provenance.json`, JSON.stringify({ package: e.pkg, version: e.version, suite: src.suite, index: src.index, deb: basename(deb), sha256: e.sha256, keyring: KEYRING, unpacked: new Date().toISOString() }, null, 2) + '\n');
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The provenance an unpacked tree was recorded with, or null. */
export function provenance(dest: string): { sha256: string; version: string } | null {
  try { return JSON.parse(readFileSync(`${dest}/provenance.json`, 'utf8')); } catch { return null; }
}
