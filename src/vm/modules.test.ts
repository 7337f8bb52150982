import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUEST_MODULES, modinfo, ModulesError, readModule, resolveModules } from './modules.js';
import { debianKernel } from './vm.testkit.js';

/** Real ELF objects with a .modinfo section, compiled by gcc, stand in for .ko files. */
const tree = mkdtempSync(`${tmpdir()}/furc-mods-`);
async function ko(rel: string, info: string[]): Promise<void> {
  const src = `${tree}/${rel.replace(/\//g, '_')}.c`;
  writeFileSync(src, info.map((kv, i) => `__attribute__((section(".modinfo"), used)) static const char m${i}[] = "${kv}";`).join('\n') + '\n');
  mkdirSync(`${tree}/kernel/${rel.split('/').slice(0, -1).join('/')}`, { recursive: true });
  await execa('gcc', ['-c', '-o', `${tree}/kernel/${rel}.ko`, src]);
}

beforeAll(async () => {
  await ko('a/alpha', ['name=alpha', 'depends=', 'vermagic=6.1.0-test SMP']);
  await ko('b/beta-two', ['name=beta_two', 'depends=alpha', 'vermagic=6.1.0-test SMP']);
  await ko('c/gamma', ['name=gamma', 'depends=beta_two,alpha,delta']);
  await ko('x/xa', ['depends=xb']);
  await ko('x/xb', ['depends=xa']);
  writeFileSync(`${tree}/modules.builtin`, 'kernel/d/delta.ko\n');
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('resolveModules', () => {
  it('should load alpha, beta_two, gamma in that order, skip built-in delta and report epsilon missing', () => {
    const r = resolveModules(tree, ['gamma', 'epsilon']);
    expect(r.load.map((m) => m.name)).toEqual(['alpha', 'beta_two', 'gamma']);
    expect(r.builtin).toEqual(['delta']);
    expect(r.missing).toEqual(['epsilon']);
    expect(r.vermagic).toBe('6.1.0-test SMP');
  });

  it('should read depends=beta_two,alpha,delta from the .modinfo section of gamma.ko', async () => {
    const { readFileSync } = await import('node:fs');
    expect(modinfo(readFileSync(`${tree}/kernel/c/gamma.ko`)).get('depends')).toEqual(['beta_two,alpha,delta']);
  });

  it('should unpack gamma.ko.xz and gamma.ko.gz to the same ELF as gamma.ko', async (ctx) => {
    const { readFileSync, copyFileSync } = await import('node:fs');
    const plain = readFileSync(`${tree}/kernel/c/gamma.ko`);
    const { gzipSync } = await import('node:zlib');
    writeFileSync(`${tree}/g.ko.gz`, gzipSync(plain));
    expect(readModule(`${tree}/g.ko.gz`)).toEqual(plain);
    const xz = await execa('xz', ['--version'], { reject: false }).catch(() => null);
    if (!xz || xz.exitCode !== 0) return ctx.skip('xz missing: install the Debian package xz-utils');
    copyFileSync(`${tree}/kernel/c/gamma.ko`, `${tree}/g.ko`);
    await execa('xz', ['-f', `${tree}/g.ko`]);
    expect(readModule(`${tree}/g.ko.xz`)).toEqual(plain);
  });

  it('should name the cycle xa -> xb -> xa', () => {
    expect(() => resolveModules(tree, ['xa'])).toThrow('module dependency cycle: xa -> xb -> xa');
  });

  it('should refuse a file that is not ELF and a directory that does not exist, in one line each', () => {
    expect(() => modinfo(Buffer.from('\xfd7zXZ\0 compressed'), 'fuse.ko')).toThrow('fuse.ko: not an ELF module');
    expect(() => resolveModules(`${tree}/nope`)).toThrow(ModulesError);
  });

  it("should order Debian 6.1's virtio, 9p and fuse modules so that each comes after its depends=", (ctx) => {
    const k = debianKernel();
    if (!k) return ctx.skip('Debian 6.1 kernel not fetched: run .ci/fetch-kernel');
    const r = resolveModules(k.modules, GUEST_MODULES);
    const at = new Map(r.load.map((m, i) => [m.name, i]));
    for (const m of r.load) for (const d of m.depends) if (at.has(d)) expect(at.get(d)!).toBeLessThan(at.get(m.name)!);
    expect(r.load.map((m) => m.name)).toEqual(expect.arrayContaining(['virtio_pci', '9pnet_virtio', '9p', 'fuse', 'netfs', 'fscache']));
    expect(r.missing).toEqual([]);
    expect(existsSync(k.modules) && readdirSync(k.modules).includes('modules.builtin')).toBe(true);
  });
});
