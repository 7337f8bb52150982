// Packages stanzas, Depends pins and the kernel builds an index offers.
import { describe, expect, it } from 'vitest';
import { kernelBuilds } from './builds.js';
import { parsePackages, pinnedVersion, type Pkg } from './packages.js';
import { compareVersions } from './version.js';

const pkg = (name: string, version: string, depends = ''): Pkg => ({ name, version, depends, size: 1, sha256: `sha-${name}-${version}`, filename: `pool/main/l/x/${name}_${version}_amd64.deb` });

describe('Packages index', () => {
  it('should read name, version, file, sha256, size and a folded Depends from two stanzas', () => {
    const text = 'Package: a\nVersion: 1.0-1\nDepends: b (= 2),\n c\nFilename: pool/a.deb\nSize: 42\nSHA256: ab12\n\nPackage: b\nVersion: 2\nFilename: pool/b.deb\nSHA256: cd34\n';
    expect(parsePackages(text)).toEqual([
      { name: 'a', version: '1.0-1', filename: 'pool/a.deb', sha256: 'ab12', size: 42, depends: 'b (= 2),\nc' },
      { name: 'b', version: '2', filename: 'pool/b.deb', sha256: 'cd34', size: 0, depends: '' }]);
  });

  it('should find the version linux-image-7.1.7 pins linux-modules-7.1.7 to, and none for a package it does not pin', () => {
    const d = 'dracut | initramfs-tools (>= 0.120+deb8u2), linux-binary-7.1.7+deb13-amd64 (= 7.1.7-1~bpo13+1), linux-modules-7.1.7+deb13-amd64 (= 7.1.7-1~bpo13+1)';
    expect(pinnedVersion(d, 'linux-modules-7.1.7+deb13-amd64')).toBe('7.1.7-1~bpo13+1');
    expect(pinnedVersion(d, 'initramfs-tools')).toBeNull();
  });

  it('should order 6.9 < 6.18.5 < 6.18.15 < 7.3~rc7 < 7.3 < 7.3.4', () => {
    const vs = ['7.3.4', '6.18.15', '7.3', '6.9', '7.3~rc7', '6.18.5'];
    expect([...vs].sort(compareVersions)).toEqual(['6.9', '6.18.5', '6.18.15', '7.3~rc7', '7.3', '7.3.4']);
  });
});

describe('kernel builds of an index', () => {
  const index = [
    pkg('linux-image-6.18.5+deb13-amd64', '6.18.5-1~bpo13+1'),
    pkg('linux-image-6.18.5+deb13-cloud-amd64', '6.18.5-1~bpo13+1'),
    pkg('linux-image-7.1.7+deb13-amd64', '7.1.7-1~bpo13+1', 'linux-binary-7.1.7+deb13-amd64 (= 7.1.7-1~bpo13+1), linux-modules-7.1.7+deb13-amd64 (= 7.1.7-1~bpo13+1)'),
    pkg('linux-binary-7.1.7+deb13-amd64', '7.1.7-1~bpo13+1'),
    pkg('linux-image-7.2.12+deb13-amd64', '7.2.12-1~bpo13+1', 'linux-binary-7.2.12+deb13-amd64 (= 7.2.12-1~bpo13+1), linux-modules-7.2.12+deb13-amd64 (= 7.2.12-1~bpo13+1)'),
    pkg('linux-binary-7.2.12+deb13-amd64', '7.2.12-1~bpo13+1'),
    pkg('linux-modules-7.2.12+deb13-amd64', '7.2.12-1~bpo13+1'),
    pkg('linux-libc-dev', '7.2.12-1~bpo13+1'),
    pkg('linux-image-7.0.12+deb13-amd64', '7.0.12-1~bpo13+1'),
    pkg('linux-image-7.0.12+deb13-amd64', '7.0.12-2~bpo13+1'),
    pkg('linux-image-7.0.12+deb13-rt-amd64', '7.0.12-2~bpo13+1'),
    pkg('linux-image-7.3-amd64', '7.3~rc7-1~exp1'),
  ];
  const builds = kernelBuilds('trixie-backports', index);

  it('should list 6.18.5, 7.0.12, 7.1.7, 7.2.12 and 7.3~rc7 in version order, generic amd64 only (no -cloud, no -rt)', () => {
    expect(builds.map((b) => b.upstream)).toEqual(['6.18.5', '7.0.12', '7.1.7', '7.2.12', '7.3~rc7']);
  });

  it('should take the newest upload of 7.0.12 (7.0.12-2~bpo13+1) when the index lists two', () => {
    expect(builds.find((b) => b.upstream === '7.0.12')!.packageVersion).toBe('7.0.12-2~bpo13+1');
  });

  it('should fetch 7.1.7 modules unchecked from pool/main/l/linux and its binary checked against the index', () => {
    const b = builds.find((x) => x.upstream === '7.1.7')!;
    expect(b.binary).toMatchObject({ checked: true, pkg: { name: 'linux-binary-7.1.7+deb13-amd64' } });
    expect(b.modules).toEqual({ checked: false, name: 'linux-modules-7.1.7+deb13-amd64', version: '7.1.7-1~bpo13+1', filename: 'pool/main/l/linux/linux-modules-7.1.7+deb13-amd64_7.1.7-1~bpo13+1_amd64.deb' });
    expect(b.libcDev).toMatchObject({ checked: false, filename: 'pool/main/l/linux/linux-libc-dev_7.1.7-1~bpo13+1_all.deb' });
  });

  it('should take 7.2.12 modules and linux-libc-dev from the index, and no separate parts for the 6.18.5 image', () => {
    const b = builds.find((x) => x.upstream === '7.2.12')!;
    expect([b.modules?.checked, b.libcDev.checked]).toEqual([true, true]);
    const old = builds.find((x) => x.upstream === '6.18.5')!;
    expect([old.binary, old.modules]).toEqual([null, null]);
  });
});
