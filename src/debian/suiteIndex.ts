// A suite's amd64 Packages index, reached only through a verified InRelease and the digest it lists.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ArchiveError, download, mirror } from './http.js';
import { parsePackages, type Pkg } from './packages.js';
import { verifyInRelease, type Release } from './release.js';

export interface SuiteIndex { readonly suite: string; readonly release: Release; readonly packages: readonly Pkg[]; readonly indexSha256: string }

/** main/binary-amd64/Packages.xz: the binary-all index was seen lagging behind InRelease, this one matches it. */
const INDEX = 'main/binary-amd64/Packages.xz';

export async function suiteIndex(suite: string): Promise<SuiteIndex> {
  if (!/^[a-z][a-z0-9-]*$/.test(suite)) throw new ArchiveError(`'${suite}' is not a Debian suite name (e.g. trixie-backports, sid)`);
  const dir = mkdtempSync(`${tmpdir()}/furc-suite-`);
  try {
    const base = `${mirror()}/dists/${suite}`;
    await download(`${base}/InRelease`, `${dir}/InRelease`);
    const release = verifyInRelease(`${dir}/InRelease`);
    const want = release.files.get(INDEX);
    if (!want) throw new ArchiveError(`${suite}: InRelease lists no ${INDEX}`);
    const got = await download(`${base}/${INDEX}`, `${dir}/Packages.xz`);
    if (got.sha256 !== want.sha256) throw new ArchiveError(`${suite}: ${INDEX} sha256 ${got.sha256} differs from InRelease's ${want.sha256} (mirror mid-update? try again)`);
    const text = execFileSync('xz', ['-dc', `${dir}/Packages.xz`], { maxBuffer: 1 << 30 }).toString('utf8');
    return { suite, release, packages: parsePackages(text), indexSha256: got.sha256 };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}
