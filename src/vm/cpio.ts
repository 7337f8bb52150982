// A newc ("070701") cpio archive, the format the kernel unpacks as an initramfs; built without root or a cpio tool.

export type CpioEntry =
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'chardev'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

export class CpioError extends Error {}

function header(ino: number, mode: number, size: number, name: string, rdev: [number, number] = [0, 0]): Uint8Array {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, size, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return Buffer.concat([head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length))]);
}

/** Parent directories come before their children: the kernel does not create them on its own. */
function withParents(entries: readonly CpioEntry[]): CpioEntry[] {
  const seen = new Set<string>();
  const out: CpioEntry[] = [];
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (path === '' || path.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new CpioError(`bad archive path '${e.path}'`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!seen.has(dir)) { seen.add(dir); out.push({ kind: 'dir', path: dir }); }
    }
    if (seen.has(path)) {
      if (e.kind === 'dir') continue;
      throw new CpioError(`duplicate archive path '${path}'`);
    }
    seen.add(path);
    out.push({ ...e, path });
  }
  return out;
}

export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const chunks: Uint8Array[] = [];
  let ino = 1;
  for (const e of withParents(entries)) {
    const [mode, data, rdev] = ((): [number, Uint8Array, [number, number]] => {
      switch (e.kind) {
        case 'file': return [S_IFREG | (e.mode ?? 0o644), e.data, [0, 0]];
        case 'dir': return [S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), [0, 0]];
        case 'symlink': return [S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'), [0, 0]];
        case 'chardev': return [S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), [e.major, e.minor]];
      }
    })();
    chunks.push(header(ino++, mode, data.length, e.path, rdev), data, Buffer.alloc(pad4(data.length)));
  }
  chunks.push(header(0, 0, 0, TRAILER));
  return Buffer.concat(chunks);
}
