// Which amd64 kernel builds a suite's index offers, and the packages that make up each one.
import { pinnedVersion, type Pkg } from './packages.js';
import { compareVersions } from './version.js';

/** A package the signed index lists, or one only the pool has (its digest cannot be checked against anything signed). */
export type PkgRef = { readonly checked: true; readonly pkg: Pkg } | { readonly checked: false; readonly name: string; readonly version: string; readonly filename: string };

export interface DebianBuild {
  readonly suite: string;
  /** As Debian numbers the upstream release: 6.18.5, 7.3~rc7. */
  readonly upstream: string;
  /** The package name's ABI part and uname -r: 7.1.7+deb13-amd64. */
  readonly release: string;
  readonly packageVersion: string;
  readonly image: Pkg;
  /** Since 6.19 the image package is a meta package over linux-binary (vmlinuz) and linux-modules. */
  readonly binary: PkgRef | null;
  readonly modules: PkgRef | null;
  readonly libcDev: PkgRef;
}

/** The generic amd64 flavour only (not -cloud, -rt, -unsigned, -dbg). */
const IMAGE = /^linux-image-((\d+\.\d+(?:\.\d+)?)(?:-(rc\d+))?(?:\+deb\d+)?-amd64)$/;

/** Debian's pool path for a package of source `linux` that the index no longer lists. */
const poolRef = (name: string, version: string, arch: string): PkgRef =>
  ({ checked: false, name, version, filename: `pool/main/l/linux/${name}_${version.replace(/^\d+:/, '')}_${arch}.deb` });

export function kernelBuilds(suite: string, index: readonly Pkg[]): DebianBuild[] {
  const byName = new Map<string, Pkg[]>();
  for (const p of index) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const exact = (name: string, version: string): PkgRef | null => {
    const p = byName.get(name)?.find((x) => x.version === version);
    return p ? { checked: true, pkg: p } : null;
  };
  const out: DebianBuild[] = [];
  for (const image of index) {
    const m = IMAGE.exec(image.name);
    if (!m) continue;
    // The package version says what the name may not: experimental's linux-image-7.3-amd64 is 7.3~rc7-1~exp1.
    const fromVersion = image.version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
    const release = m[1]!, upstream = fromVersion.startsWith(m[2]!) ? fromVersion : m[3] ? `${m[2]}~${m[3]}` : m[2]!;
    const part = (kind: 'binary' | 'modules') => {
      const name = `linux-${kind}-${release}`, v = pinnedVersion(image.depends, name);
      return v === null ? null : exact(name, v) ?? poolRef(name, v, 'amd64');
    };
    out.push({ suite, upstream, release, packageVersion: image.version, image, binary: part('binary'), modules: part('modules'),
      libcDev: exact('linux-libc-dev', image.version) ?? poolRef('linux-libc-dev', image.version, 'all') });
  }
  // An upload can be listed twice (an old and a new package version of one ABI): the newest wins.
  const newest = new Map<string, DebianBuild>();
  for (const b of out) if (!newest.has(b.release) || compareVersions(newest.get(b.release)!.packageVersion, b.packageVersion) < 0) newest.set(b.release, b);
  return [...newest.values()].sort((a, b) => compareVersions(a.upstream, b.upstream));
}

/** The cache directory name: release and package version, so a re-upload of one ABI is a different entry. */
export const buildId = (b: Pick<DebianBuild, 'release' | 'packageVersion'>) => `${b.release}_${b.packageVersion}`;
