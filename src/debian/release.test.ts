// InRelease: only a good signature from the Debian archive keyring opens the index, and an expired one does not.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBIAN_KEYRING, verifyInRelease } from './release.js';

const FIXTURE = new URL('../../fixtures/debian/trixie-backports.InRelease', import.meta.url).pathname;
const work = mkdtempSync(`${tmpdir()}/furc-release-test-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const why = (() => { try { execFileSync('gpgv', ['--version'], { stdio: 'ignore' }); } catch { return 'gpgv missing: apt-get install gpgv'; } return existsSync(DEBIAN_KEYRING) ? null : `${DEBIAN_KEYRING} missing: apt-get install debian-archive-keyring`; })();
const NOV_29 = new Date('2026-11-29T00:00:00Z');

describe('InRelease of trixie-backports (signed 2026-11-28)', () => {
  it('should verify against the trixie key and list main/binary-amd64/Packages.xz with sha256 bfaf98fd…', (ctx) => {
    if (why) return ctx.skip(why);
    const r = verifyInRelease(FIXTURE, DEBIAN_KEYRING, NOV_29);
    expect(r.codename).toBe('trixie-backports');
    expect(r.signers.some((s) => s.startsWith('B8E5F13176D2A7A75220028078DBA3BC47EF2265 '))).toBe(true);
    expect(r.files.get('main/binary-amd64/Packages.xz')).toEqual({ sha256: 'bfaf98fd3aab3680781d7ee849158b68640e43aabee6a30f418c88f724f4cfbe', size: 318296 });
  });

  it('should refuse it once one digit of a listed sha256 is changed', (ctx) => {
    if (why) return ctx.skip(why);
    const bad = `${work}/tampered`;
    writeFileSync(bad, readFileSync(FIXTURE, 'utf8').replace('bfaf98fd3aab', 'bfaf98fd3aac'));
    expect(() => verifyInRelease(bad, DEBIAN_KEYRING, NOV_29)).toThrow(/does not verify against .*debian-archive-keyring\.gpg \(BADSIG/);
  });

  it('should refuse it on 2026-12-06, after its Valid-Until of 2026-12-05', (ctx) => {
    if (why) return ctx.skip(why);
    expect(() => verifyInRelease(FIXTURE, DEBIAN_KEYRING, new Date('2026-12-06T00:00:00Z'))).toThrow('expired (Valid-Until Sat, 05 Dec 2026 14:09:31 UTC); fetch it again, or accept a stale mirror with FURC_DEBIAN_ALLOW_EXPIRED=1');
  });

  it('should accept it on 2026-12-06 under FURC_DEBIAN_ALLOW_EXPIRED=1, saying it is expired', (ctx) => {
    if (why) return ctx.skip(why);
    process.env.FURC_DEBIAN_ALLOW_EXPIRED = '1';
    try {
      expect(verifyInRelease(FIXTURE, DEBIAN_KEYRING, new Date('2026-12-06T00:00:00Z')).expired).toBe('EXPIRED since Sat, 05 Dec 2026 14:09:31 UTC, accepted because FURC_DEBIAN_ALLOW_EXPIRED=1');
    } finally { delete process.env.FURC_DEBIAN_ALLOW_EXPIRED; }
  });
});
