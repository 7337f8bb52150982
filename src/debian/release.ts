// A suite's InRelease: verified with gpgv against the Debian archive keyring, then read from gpgv's own output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ArchiveError } from './http.js';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface Release {
  readonly codename: string;
  readonly date: string;
  readonly validUntil: string | null;
  /** Primary key fingerprints of the good signatures, with the key's user id. */
  readonly signers: readonly string[];
  /** Set when Valid-Until had passed and FURC_DEBIAN_ALLOW_EXPIRED=1 let it through: the provenance says so. */
  readonly expired?: string;
  /** SHA256 section: path → digest and size. */
  readonly files: ReadonlyMap<string, { readonly sha256: string; readonly size: number }>;
}

/** gpgv must say VALIDSIG; only the text it verified is read (never the clear-signed file itself). */
export function verifyInRelease(file: string, keyring = DEBIAN_KEYRING, now = new Date()): Release {
  const dir = mkdtempSync(`${tmpdir()}/furc-release-`);
  try {
    let status: string;
    try {
      status = execFileSync('gpgv', ['--status-fd', '1', '--keyring', keyring, '--output', `${dir}/text`, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: string };
      if (err.code === 'ENOENT') throw new ArchiveError('gpgv not found: install the Debian package gpgv (and debian-archive-keyring)');
      const why = /\[GNUPG:\] (BADSIG|ERRSIG|NO_PUBKEY|NODATA)[^\n]*/.exec(err.stdout ?? '')?.[0]?.replace('[GNUPG:] ', '') ?? 'no valid signature';
      throw new ArchiveError(`${file}: does not verify against ${keyring} (${why})`);
    }
    const goods = [...status.matchAll(/^\[GNUPG:\] GOODSIG \S+ (.*)$/gm)].map((m) => m[1]!);
    const valid = [...status.matchAll(/^\[GNUPG:\] VALIDSIG (\S+)/gm)].map((m, i) => `${m[1]} (${goods[i] ?? '?'})`);
    if (valid.length === 0) throw new ArchiveError(`${file}: gpgv reported no VALIDSIG against ${keyring}`);
    const r = parseRelease(readFileSync(`${dir}/text`, 'utf8'), valid);
    if (!r.validUntil || Date.parse(r.validUntil) >= now.getTime()) return r;
    // As apt's Check-Valid-Until=false: a stale mirror still carries a good signature, but could be replaying an old archive.
    if (process.env.FURC_DEBIAN_ALLOW_EXPIRED !== '1') throw new ArchiveError(`${file}: expired (Valid-Until ${r.validUntil}); fetch it again, or accept a stale mirror with FURC_DEBIAN_ALLOW_EXPIRED=1`);
    return { ...r, expired: `EXPIRED since ${r.validUntil}, accepted because FURC_DEBIAN_ALLOW_EXPIRED=1` };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

export function parseRelease(text: string, signers: readonly string[]): Release {
  const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const files = new Map<string, { sha256: string; size: number }>();
  const section = /^SHA256:\n((?: .*\n?)*)/m.exec(text)?.[1] ?? '';
  for (const line of section.split('\n')) {
    const [sha256, size, path] = line.trim().split(/\s+/);
    if (sha256 && size && path) files.set(path, { sha256, size: Number(size) });
  }
  const codename = field('Codename'), date = field('Date');
  if (!codename || !date || files.size === 0) throw new ArchiveError('InRelease has no Codename, Date or SHA256 section');
  return { codename, date, validUntil: field('Valid-Until'), signers, files };
}
