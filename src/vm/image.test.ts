import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { imageInfo, ImageError } from './image.js';
import { debianKernel } from './vm.testkit.js';

const dir = mkdtempSync(`${tmpdir()}/furc-image-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A boot-protocol header: "HdrS" at 0x202, kernel_version at 0x20e pointing 0x200 before the string. */
function bzImage(version: string): Buffer {
  const b = Buffer.alloc(0x1000);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x600, 0x20e);
  b.write(`${version}\0`, 0x800, 'latin1');
  return b;
}

describe('imageInfo', () => {
  it('should read release 6.9.0-rc1-test from the kernel_version string of a bzImage header', () => {
    writeFileSync(`${dir}/bz`, bzImage('6.9.0-rc1-test (me@host) #1 SMP'));
    expect(imageInfo(`${dir}/bz`)).toEqual({ format: 'bzImage', release: '6.9.0-rc1-test', version: '6.9.0-rc1-test (me@host) #1 SMP' });
  });

  it('should refuse 4096 random bytes, a missing file and an ELF for another machine, in one line each', () => {
    writeFileSync(`${dir}/junk`, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    expect(() => imageInfo(`${dir}/junk`)).toThrow(/not a kernel image \(no bzImage "HdrS" header at 0x202/);
    expect(() => imageInfo(`${dir}/absent`)).toThrow(/cannot read \(ENOENT\)/);
    const arm = Buffer.alloc(64); arm.writeUInt32BE(0x7f454c46, 0); arm[4] = 2; arm.writeUInt16LE(183, 18);
    writeFileSync(`${dir}/arm64.elf`, arm);
    expect(() => imageInfo(`${dir}/arm64.elf`)).toThrow(ImageError);
  });

  it("should read the Debian 6.1 vmlinuz's release from its header", (ctx) => {
    const k = debianKernel();
    if (!k) return ctx.skip('Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
    expect(imageInfo(k.kernel).release).toBe(k.release);
  });
});
