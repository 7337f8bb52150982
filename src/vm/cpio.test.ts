import { execa } from 'execa';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpioNewc, CpioError } from './cpio.js';
import { findBusybox } from './tools.js';

const sample = cpioNewc([
  { kind: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { kind: 'file', path: 'lib/modules/a.ko', data: Buffer.alloc(5, 7) },
  { kind: 'symlink', path: 'bin/sh', target: 'tool' },
  { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  { kind: 'dir', path: 'empty' },
]);

/** Walks the archive by its own header fields: every header starts 4-aligned with the newc magic. */
function names(b: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; ;) {
    expect(at % 4).toBe(0);
    expect(b.toString('ascii', at, at + 6)).toBe('070701');
    const field = (i: number) => parseInt(b.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [size, namesize] = [field(6), field(11)];
    const name = b.toString('utf8', at + 110, at + 110 + namesize - 1);
    if (name === 'TRAILER!!!') return out;
    out.push(name);
    at += 110 + namesize; at += (4 - (at % 4)) % 4;
    at += size; at += (4 - (at % 4)) % 4;
  }
}

describe('cpioNewc', () => {
  it('should put parent directories before their children: bin, bin/tool, lib, lib/modules, lib/modules/a.ko', () => {
    expect(names(sample)).toEqual(['bin', 'bin/tool', 'lib', 'lib/modules', 'lib/modules/a.ko', 'bin/sh', 'dev', 'dev/console', 'empty']);
  });

  it('should be unpacked by busybox cpio with contents, modes, a symlink and the 5:1 console node intact', async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    if (process.getuid?.() !== 0) return ctx.skip('not root: unpacking a device node needs mknod');
    const dir = mkdtempSync(`${tmpdir()}/furc-cpio-`);
    try {
      writeFileSync(`${dir}.cpio`, sample);
      await execa(busybox, ['cpio', '-i', '-d', '-m', '-F', `${dir}.cpio`], { cwd: dir });
      expect(readFileSync(`${dir}/bin/tool`, 'utf8')).toBe('#!/bin/sh\necho hi\n');
      expect(statSync(`${dir}/bin/tool`).mode & 0o777).toBe(0o755);
      expect(readFileSync(`${dir}/lib/modules/a.ko`)).toEqual(Buffer.alloc(5, 7));
      expect(readlinkSync(`${dir}/bin/sh`)).toBe('tool');
      const con = statSync(`${dir}/dev/console`);
      expect([con.isCharacterDevice(), Math.floor(con.rdev / 256), con.rdev % 256]).toEqual([true, 5, 1]);
    } finally { rmSync(dir, { recursive: true, force: true }); rmSync(`${dir}.cpio`, { force: true }); }
  });

  it('should refuse a path with .. and a file given twice', () => {
    expect(() => cpioNewc([{ kind: 'dir', path: 'a/../b' }])).toThrow(CpioError);
    expect(() => cpioNewc([{ kind: 'file', path: 'x', data: Buffer.alloc(0) }, { kind: 'file', path: 'x', data: Buffer.alloc(0) }])).toThrow("duplicate archive path 'x'");
  });
});
