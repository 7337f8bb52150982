import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execaSync } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { imageInfo, ImageError } from './image.js';
import { debianKernel, KERNEL_CACHE } from './vm.testkit.js';

const dir = mkdtempSync(`${tmpdir()}/furc-image-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A boot-protocol setup header as Documentation/arch/x86/boot.rst lays it out: boot_flag 0xAA55 at 0x1fe, "HdrS" at
 * 0x202, version 2.15 at 0x206, kernel_version at 0x20e (the string's offset minus 0x200), LOADED_HIGH in loadflags.
 */
function bzImage(version: string): Buffer {
  const b = Buffer.alloc(0x1000);
  b.writeUInt16LE(0xaa55, 0x1fe);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x020f, 0x206);
  b.writeUInt16LE(0x600, 0x20e);
  b[0x211] = 0x01;
  b.write(`${version}\0`, 0x800, 'latin1');
  return b;
}

/**
 * The version file(1) reads from an image: its magic database decodes the setup header on its own, so it is an oracle
 * this parser does not share (undefined without file(1), null when file finds no version).
 */
function fileVersion(path: string): string | null | undefined {
  let out: string;
  try { out = execaSync('file', ['-bL', path]).stdout; } catch { return undefined; }
  return /, version (.*?), R[OW]-rootFS/.exec(out)?.[1] ?? null;
}

/** Every vmlinuz of the kernel cache (.ci/fetch-kernel, furc matrix), by its Debian release. */
const cachedImages = (): { release: string; path: string }[] => (existsSync(KERNEL_CACHE) ? readdirSync(KERNEL_CACHE) : [])
  .flatMap((d) => (existsSync(`${KERNEL_CACHE}/${d}/boot`) ? readdirSync(`${KERNEL_CACHE}/${d}/boot`) : []).filter((f) => f.startsWith('vmlinuz-'))
    .map((f) => ({ release: f.slice('vmlinuz-'.length), path: `${KERNEL_CACHE}/${d}/boot/${f}` })));

describe('imageInfo', () => {
  it('should read release 6.9.0-rc1-test and the version file(1) reads from a bzImage setup header', (ctx) => {
    writeFileSync(`${dir}/bz`, bzImage('6.9.0-rc1-test (me@host) #1 SMP'));
    const oracle = fileVersion(`${dir}/bz`);
    if (oracle === undefined) return ctx.skip('file(1) missing: apt-get install file');
    expect(oracle).toBe('6.9.0-rc1-test (me@host) #1 SMP');
    expect(imageInfo(`${dir}/bz`)).toEqual({ format: 'bzImage', release: '6.9.0-rc1-test', version: oracle });
  });

  it('should read from every cached Debian vmlinuz the version file(1) reads, and the release its file name carries', (ctx) => {
    const images = cachedImages();
    if (!images.length) return ctx.skip(`no vmlinuz under ${KERNEL_CACHE}/*/boot: run .ci/fetch-kernel`);
    if (fileVersion(images[0]!.path) === undefined) return ctx.skip('file(1) missing: apt-get install file');
    for (const { release, path } of images) expect(imageInfo(path), path).toEqual({ format: 'bzImage', release, version: fileVersion(path) });
  });

  it('should refuse 4096 random bytes, a missing file and an ELF for another machine, in one line each', () => {
    writeFileSync(`${dir}/junk`, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    expect(() => imageInfo(`${dir}/junk`)).toThrow(/not a kernel image \(no bzImage "HdrS" header at 0x202/);
    expect(() => imageInfo(`${dir}/absent`)).toThrow(/cannot read \(ENOENT\)/);
    const arm = Buffer.alloc(64); arm.writeUInt32BE(0x7f454c46, 0); arm[4] = 2; arm.writeUInt16LE(183, 18);
    writeFileSync(`${dir}/arm64.elf`, arm);
    expect(() => imageInfo(`${dir}/arm64.elf`)).toThrow(new ImageError(`--kernel ${dir}/arm64.elf: an ELF file but not an x86_64 kernel`));
  });

  it("should read the Debian 6.1 vmlinuz's release from its header", (ctx) => {
    const k = debianKernel();
    if (!k) return ctx.skip('Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
    expect(imageInfo(k.kernel).release).toBe(k.release);
  });
});
