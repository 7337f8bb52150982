// One Debian kernel build into the cache: packages checked against the signed index (or marked unchecked), the image,
// the modules furc vm loads (signature-checked against the image's own key), the UAPI header, and a provenance file.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { resolveModules } from '../vm/modules.js';
import { buildId, type DebianBuild, type PkgRef } from './builds.js';
import { commit, lookup, newTemp, touch, type CachedEntry } from './cache.js';
import { ArchiveError, download, mirror, NotFound } from './http.js';
import { checkModuleSignature, signingCerts, vmlinuxOf } from './moduleSig.js';
import { DEBIAN_KEYRING } from './release.js';
import type { SuiteIndex } from './suiteIndex.js';

const refName = (r: PkgRef) => (r.checked ? r.pkg.name : r.name);
const refFile = (r: PkgRef) => (r.checked ? r.pkg.filename : r.filename);

/** Downloads one package; a checked one must match the index's sha256. Returns the provenance line. */
async function fetchPkg(r: PkgRef, dest: string): Promise<string> {
  const file = refFile(r);
  let got;
  try { got = await download(`${mirror()}/${file}`, dest); } catch (e) {
    if (e instanceof NotFound && !r.checked) throw new ArchiveError(`${r.name} ${r.version}: not in the index and not in the pool (${file})`);
    throw e;
  }
  if (!r.checked) return `NOT index-checked (absent from the signed index, fetched from the pool): ${file} sha256=${got.sha256}`;
  if (got.sha256 !== r.pkg.sha256) throw new ArchiveError(`${file}: sha256 ${got.sha256} differs from the signed index's ${r.pkg.sha256}`);
  return `index-checked: ${r.pkg.name} ${r.pkg.version} ${file} sha256=${got.sha256}`;
}

const unpack = (deb: string, into: string) => execFileSync('dpkg-deb', ['-x', deb, into], { stdio: ['ignore', 'ignore', 'pipe'] });

/** The cached entry of `b`, fetching it first when the cache does not have it. */
export async function fetchBuild(b: DebianBuild, idx: SuiteIndex, note: (s: string) => void): Promise<CachedEntry> {
  const id = buildId(b);
  const have = lookup(id);
  if (have) { touch(have); return have; }
  const tmp = newTemp();
  try {
    const lines = [
      `Debian ${b.release} (${b.packageVersion}) from ${b.suite}, fetched ${new Date().toISOString()}`,
      `${b.suite} InRelease: gpgv OK against ${DEBIAN_KEYRING} (${idx.release.signers.join('; ')}), Date: ${idx.release.date}${idx.release.expired ? `, ${idx.release.expired}` : ''}`,
      `main/binary-amd64/Packages.xz sha256 matches InRelease (${idx.indexSha256})`,
    ];
    const parts = [{ checked: true, pkg: b.image } as PkgRef, b.binary, b.modules].filter((r): r is PkgRef => r !== null);
    for (const [i, r] of parts.entries()) {
      note(`furc matrix: fetching ${refName(r)}`);
      lines.push(await fetchPkg(r, `${tmp}/${i}.deb`));
      unpack(`${tmp}/${i}.deb`, `${tmp}/x`);
      rmSync(`${tmp}/${i}.deb`);
    }
    const image = [`${tmp}/x/boot/vmlinuz-${b.release}`, `${tmp}/x/usr/lib/modules/${b.release}/vmlinuz`].find((p) => existsSync(p));
    if (!image) throw new ArchiveError(`${b.release}: the packages unpacked no vmlinuz`);
    mkdirSync(`${tmp}/boot`);
    copyFileSync(image, `${tmp}/boot/vmlinuz-${b.release}`);
    lines.push(...keepModules(b, tmp));
    const header = await fetchHeader(b, tmp, note);
    lines.push(header.line);
    rmSync(`${tmp}/x`, { recursive: true, force: true });
    writeFileSync(`${tmp}/provenance.txt`, lines.join('\n') + '\n');
    return commit(tmp, {
      id, release: b.release, upstream: b.upstream, suite: b.suite, packageVersion: b.packageVersion, fetchedAt: new Date().toISOString(),
      kernel: `boot/vmlinuz-${b.release}`, modules: `lib/modules/${b.release}`, header: header.path,
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Keeps the modules the guest loads (and modules.builtin), each signature-checked against the image's embedded key. */
function keepModules(b: DebianBuild, tmp: string): string[] {
  const src = [`${tmp}/x/lib/modules/${b.release}`, `${tmp}/x/usr/lib/modules/${b.release}`].find((p) => existsSync(p));
  if (!src) throw new ArchiveError(`${b.release}: the packages unpacked no lib/modules/${b.release}`);
  const set = resolveModules(src);
  const dest = `${tmp}/lib/modules/${b.release}`;
  mkdirSync(dest, { recursive: true });
  for (const f of ['modules.builtin', 'modules.order']) if (existsSync(join(src, f))) copyFileSync(join(src, f), join(dest, f));
  const certs = signingCerts(vmlinuxOf(readFileSync(`${tmp}/boot/vmlinuz-${b.release}`)));
  if (certs.length === 0) throw new ArchiveError(`${b.release}: no module signing certificate found in the image`);
  for (const m of set.load) {
    const bad = checkModuleSignature(m.data, certs);
    // Unchecked modules are only trusted through their signature; checked ones failing it would be just as wrong.
    if (bad) throw new ArchiveError(`${b.release}: module ${m.name}: ${bad}`);
    const to = join(dest, relative(src, m.file));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(m.file, to);
  }
  const imageChecked = b.binary === null || b.binary.checked, modulesChecked = b.modules === null || b.modules.checked;
  const names = set.load.map((m) => m.name).join(', ') || 'none';
  return [
    `modules kept: ${names} (what furc vm loads; built in: ${set.builtin.join(', ') || 'none'}${set.missing.length ? `; not modules here, so built in or absent (the guest says which): ${set.missing.join(', ')}` : ''}); the rest of the package is not kept`,
    `module signatures: ${set.load.length} of ${set.load.length} kept modules verify (openssl cms) against ${certs.map((c) => `'${c.subject}' (sha256 ${c.fingerprint256})`).join(', ')} embedded in the ${imageChecked ? 'index-checked' : 'UNCHECKED'} vmlinuz${modulesChecked ? '' : ' (the evidence for modules no signed index lists)'}`,
  ];
}

/** include/linux/fuse.h from the build's linux-libc-dev, when the index or the pool still has it. */
async function fetchHeader(b: DebianBuild, tmp: string, note: (s: string) => void): Promise<{ path: string | null; line: string }> {
  note(`furc matrix: fetching ${refName(b.libcDev)} ${b.packageVersion}`);
  try {
    const line = await fetchPkg(b.libcDev, `${tmp}/libc.deb`);
    unpack(`${tmp}/libc.deb`, `${tmp}/h`);
    const h = `${tmp}/h/usr/include/linux/fuse.h`;
    if (!existsSync(h)) return { path: null, line: `header: ${refFile(b.libcDev)} has no usr/include/linux/fuse.h` };
    mkdirSync(`${tmp}/include/linux`, { recursive: true });
    copyFileSync(h, `${tmp}/include/linux/fuse.h`);
    return { path: 'include/linux/fuse.h', line: `header include/linux/fuse.h from ${line}` };
  } catch (e) {
    if (!(e instanceof ArchiveError)) throw e;
    return { path: null, line: `header: none (${e.message})` };
  } finally {
    rmSync(`${tmp}/libc.deb`, { force: true });
    rmSync(`${tmp}/h`, { recursive: true, force: true });
  }
}
