// What a kernel image file is (bzImage or vmlinux) and which release it carries, checked before anything boots.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export class ImageError extends Error {}

export interface ImageInfo { readonly format: 'bzImage' | 'vmlinux'; readonly release: string | null; readonly version: string | null }

function head(path: string, n: number): Buffer {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw new ImageError(`--kernel ${path}: cannot read (${(e as NodeJS.ErrnoException).code})`); }
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally { closeSync(fd); }
}

export function imageInfo(path: string): ImageInfo {
  const size = (() => { try { return statSync(path).size; } catch (e) { throw new ImageError(`--kernel ${path}: cannot read (${(e as NodeJS.ErrnoException).code})`); } })();
  const b = head(path, Math.min(size, 64 << 20));
  // x86 boot protocol: "HdrS" at 0x202; kernel_version at 0x20e points (minus 0x200) at the version string.
  if (b.length > 0x210 && b.toString('latin1', 0x202, 0x206) === 'HdrS') {
    const ptr = b.readUInt16LE(0x20e);
    const at = ptr + 0x200;
    const version = ptr > 0 && at < b.length ? b.toString('latin1', at, b.indexOf(0, at)) : null;
    return { format: 'bzImage', release: version?.split(' ')[0] ?? null, version };
  }
  if (b.length > 4 && b.readUInt32BE(0) === 0x7f454c46) {
    if (b[4] !== 2 || b.readUInt16LE(18) !== 62) throw new ImageError(`--kernel ${path}: an ELF file but not an x86_64 kernel`);
    const at = b.indexOf('Linux version ');
    const version = at >= 0 ? b.toString('latin1', at + 14, Math.min(b.indexOf(0, at), at + 300)) : null;
    return { format: 'vmlinux', release: version?.split(' ')[0] ?? null, version };
  }
  throw new ImageError(`--kernel ${path}: not a kernel image (no bzImage "HdrS" header at 0x202 and not an ELF vmlinux)`);
}
