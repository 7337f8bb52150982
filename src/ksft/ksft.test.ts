// The kselftest-shaped collection in ksft/: what `make install` writes, and run.sh's contract (run here with a stand-in executable).
import { execa } from 'execa';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { packaged } from '../sea/packaged.testkit.js';

const work = mkdtempSync(`${tmpdir()}/furc-ksft-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
let bin = '';
beforeAll(async () => { bin = await packaged(); }, 180_000);

/** run.sh next to a stand-in that prints its arguments and exits 4, so nothing here touches this machine's FUSE. */
function standIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${ROOT}ksft/run.sh`, `${dir}/run.sh`);
  writeFileSync(`${dir}/furc-9.9.9-x86_64`, '#!/bin/sh\necho "args: $*"\nexit 4\n');
  chmodSync(`${dir}/furc-9.9.9-x86_64`, 0o755);
  return `${dir}/run.sh`;
}

describe('ksft/ (kselftest collection fuse_uring)', () => {
  it('should install run.sh, settings, config and the executable into DIR/fuse_uring and list fuse_uring:run.sh once in kselftest-list.txt', async () => {
    const dir = `${work}/kselftest`;
    mkdirSync(dir);
    writeFileSync(`${dir}/kselftest-list.txt`, 'net:run.sh\n');
    for (let i = 0; i < 2; i++) await execa('make', ['-s', '-C', `${ROOT}ksft`, 'install', `INSTALL_PATH=${dir}`]);
    expect(readdirSync(`${dir}/fuse_uring`).sort()).toEqual(['config', bin.split('/').pop(), 'run.sh', 'settings'].sort());
    expect(readFileSync(`${dir}/kselftest-list.txt`, 'utf8')).toBe('net:run.sh\nfuse_uring:run.sh\n');
    expect(readFileSync(`${dir}/fuse_uring/settings`, 'utf8')).toBe('timeout=1200\n');
    const config = readFileSync(`${dir}/fuse_uring/config`, 'utf8').split('\n');
    expect(config).toEqual(expect.arrayContaining(['CONFIG_FUSE_FS=y', 'CONFIG_FUSE_IO_URING=y', 'CONFIG_IO_URING=y']));
    expect((await execa('make', ['-s', '-C', `${ROOT}ksft`, 'emit_tests'])).stdout).toBe('fuse_uring:run.sh');
  });

  it('should refuse make install without INSTALL_PATH, naming the variable', async () => {
    const r = await execa('make', ['-s', '-C', `${ROOT}ksft`, 'install'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/INSTALL_PATH is not set: make -C ksft install INSTALL_PATH=DIR/);
  });

  it('should run the executable as `run --target kernel --format ktap` plus its own arguments, and pass exit 4 (skip) through', async () => {
    const r = await execa(standIn(`${work}/stand-in`), ['--revision', 'R8'], { reject: false });
    expect([r.exitCode, r.stdout]).toEqual([4, 'args: run --target kernel --format ktap --revision R8']);
  });

  it('should print a KTAP skip-all and exit 4 when no executable was installed, without the version line under KSFT_TAP_LEVEL', async () => {
    mkdirSync(`${work}/empty`);
    copyFileSync(`${ROOT}ksft/run.sh`, `${work}/empty/run.sh`);
    const r = await execa(`${work}/empty/run.sh`, { reject: false });
    expect([r.exitCode, r.stdout]).toEqual([4, `KTAP version 1\n1..0 # SKIP no furc executable in ${work}/empty (make -C ksft install INSTALL_PATH=DIR puts it there)`]);
    const nested = await execa(`${work}/empty/run.sh`, { reject: false, env: { KSFT_TAP_LEVEL: '1' } });
    expect(nested.stdout.split('\n')[0]).toMatch(/^1\.\.0 # SKIP /);
  });
});
