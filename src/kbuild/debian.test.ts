import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { DebianError, packageEntries, releaseEntry, verifiedInRelease } from './debian.js';

const work = mkdtempSync(`${tmpdir()}/furc-debian-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RELEASE = `Origin: Debian
Suite: unstable
MD5Sum:
 464a3d5d9857ea56e101e3006db95b28  5091588 main/binary-all/Packages.xz
SHA256:
 b26e10b9c51b35f35661faaaf8b198b3db7b007865d7ad9641298382df647987  5091588 main/binary-all/Packages.xz
 28476c952cd0732e0ba28e3c14fbb9a8beb412eb2b3cb96bf9d067d54caacf1b 10824484 main/binary-amd64/Packages.xz
`;

const PACKAGES = `Package: linux-source-7.1
Version: 7.1.9-1
Filename: pool/main/l/linux/linux-source-7.1_7.1.9-1_all.deb
Size: 160000000
SHA256: 1111111111111111111111111111111111111111111111111111111111111111

Package: linux-source-7.2
Source: linux
Version: 7.2.13-1
Filename: pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
Size: 164108840
SHA256: 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d

Package: linux-source-7.2-extra
Version: 1
Filename: x.deb
Size: 1
SHA256: 2222222222222222222222222222222222222222222222222222222222222222
`;

describe("Debian's archive index", () => {
  it('should take the sha256 and size of main/binary-all/Packages.xz from the SHA256 section, not the MD5 one', () => {
    expect(releaseEntry(RELEASE, 'main/binary-all/Packages.xz')).toEqual({ sha256: 'b26e10b9c51b35f35661faaaf8b198b3db7b007865d7ad9641298382df647987', size: 5091588 });
    expect(releaseEntry(RELEASE, 'main/binary-i386/Packages.xz')).toBeNull();
  });

  it('should find linux-source-7.2 7.2.13-1 with its pool path and sha256, and not linux-source-7.2-extra', () => {
    expect(packageEntries(PACKAGES, 'linux-source-7.2')).toEqual([{ pkg: 'linux-source-7.2', version: '7.2.13-1', filename: 'pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb', sha256: '30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d', size: 164108840 }]);
  });

  it('should refuse an InRelease whose signature is not from the archive keyring', () => {
    writeFileSync(`${work}/InRelease`, `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${RELEASE}-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n`);
    expect(() => verifiedInRelease(`${work}/InRelease`)).toThrow(DebianError);
  });

  const cached = '/var/cache/furc/src/InRelease.sid';
  it.skipIf(!existsSync(cached))(`should vouch for the cached sid InRelease and give its signed text only${existsSync(cached) ? '' : ` — SKIP: ${cached} not fetched`}`, () => {
    const text = verifiedInRelease(cached);
    expect(text).toMatch(/^Origin: Debian$/m);
    expect(text).not.toContain('BEGIN PGP');
  });
});
