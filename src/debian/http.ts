// Downloads from a Debian mirror into a file, hashing on the way; a failed download leaves no file behind.
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class ArchiveError extends Error {}

/** FURC_DEBIAN_MIRROR points at another mirror (or a local one in a CI cache). */
export const mirror = (): string => (process.env.FURC_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian').replace(/\/$/, '');

export interface Downloaded { readonly sha256: string; readonly size: number }

/** A 404 is its own error: the caller may say "not in the pool" rather than "the network failed". */
export class NotFound extends ArchiveError {}

export async function download(url: string, dest: string, tries = 3): Promise<Downloaded> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url);
      if (res.status === 404) throw new NotFound(`${url}: 404 Not Found`);
      if (!res.ok || !res.body) throw new ArchiveError(`${url}: HTTP ${res.status}`);
      const h = createHash('sha256');
      let size = 0;
      const tap = new Transform({ transform(chunk: Buffer, _e, cb) { h.update(chunk); size += chunk.length; cb(null, chunk); } });
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), tap, createWriteStream(dest));
      return { sha256: h.digest('hex'), size };
    } catch (e) {
      rmSync(dest, { force: true });
      if (e instanceof NotFound) throw e;
      last = e;
    }
  }
  throw last instanceof ArchiveError ? last : new ArchiveError(`${url}: ${(last as Error).message}`);
}
