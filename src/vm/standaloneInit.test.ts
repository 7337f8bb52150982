// The standalone guest: its /init, its initramfs (no node, no 9p) and its qemu command line (a second serial port, no -virtfs).
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { qemuArgs } from './qemu.js';
import { GUEST_BINARY, sharedLibraries, standaloneInitramfs, writeBack } from './standalone.js';
import { standaloneInitScript } from './standaloneInit.js';
import { findBusybox } from './tools.js';

const work = mkdtempSync(`${tmpdir()}/furc-standalone-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('standalone guest', () => {
  it("should write an /init that busybox sh -n accepts, with a quote in cwd and a space in an argument", async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    const s = standaloneInitScript({ modules: ['fuse.ko'], binary: GUEST_BINARY, cwd: "/tmp/it's", args: ['run', '--out', 'a b.json'], env: { PATH: '/bin' }, setup: 'sysctl -w kernel.io_uring_disabled=0' });
    await execa(busybox, ['sh', '-n', '-c', s]);
    expect(s).not.toMatch(/9p|\/host/);
  });

  it('should pack busybox, /init, the executable at /opt/furc/furc, the libraries ldd names and fuse.ko, and no node and no 9p module', async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    const libs = sharedLibraries('/bin/true');
    expect(libs.some((l) => /\/libc\.so\.6$/.test(l))).toBe(true);
    writeFileSync(`${work}/initramfs.cpio`, standaloneInitramfs({ busybox, binary: '/bin/true', modules: [{ name: 'fuse', data: Buffer.from('ko') }], plan: { cwd: '/tmp/w', args: ['probe'] } }));
    const { stdout } = await execa(busybox, ['cpio', '-t', '-F', `${work}/initramfs.cpio`]);
    const files = stdout.split('\n');
    expect(files).toEqual(expect.arrayContaining(['bin/busybox', 'init', 'dev/console', 'opt/furc/furc', 'lib/modules/fuse.ko', ...libs.map((l) => l.slice(1))]));
    expect(files.filter((f) => /node|9p|virtio/.test(f))).toEqual([]);
  });

  it('should give qemu two serial ports (console, then results) and no -virtfs share', () => {
    const a = qemuArgs({ qemu: 'q', setpriv: 's', kernel: 'k', initrd: 'i', shares: [], mem: 1024, smp: 2, accel: 'tcg', console: '/w/c.log', results: '/w/r.txt', append: 'x' });
    expect(a.flatMap((x, i) => (x === '-serial' ? [a[i + 1]] : []))).toEqual(['file:/w/c.log', 'file:/w/r.txt']);
    expect(a).not.toContain('-virtfs');
  });

  it("should write the guest's cwd files into the host cwd and refuse a name that climbs out of it", () => {
    expect(writeBack(new Map([['cwd/sub/r.json', Buffer.from('{}')], ['stdout', Buffer.from('x')]]), work)).toEqual([`${work}/sub/r.json`]);
    expect(() => writeBack(new Map([['cwd/../escape', Buffer.from('')]]), work)).toThrow('the guest sent cwd/../escape, which is outside the working directory');
  });
});
