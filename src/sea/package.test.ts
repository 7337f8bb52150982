// The packed executable (npm run package) without node on PATH: the same CLI, the addon loaded from inside it.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { packaged } from './packaged.testkit.js';

const work = mkdtempSync(`${tmpdir()}/furc-sea-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
let bin = '';
beforeAll(async () => { bin = await packaged(); }, 180_000);

/** The executable with an empty environment: no node, no npm, no PATH. */
const sea = (args: string[], env: Record<string, string> = {}) => execa(bin, args, { cwd: work, reject: false, env, extendEnv: false });

describe('the packed executable', () => {
  it('should be one ELF file of 90 to 110 MiB that runs the full model suite with no PATH, writing the report npm\'s furc writes', async () => {
    expect(readFileSync(bin).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(statSync(bin).size / 2 ** 20).toBeGreaterThan(90);
    expect(statSync(bin).size / 2 ** 20).toBeLessThan(110);
    const r = await sea(['run', '--target', 'model', '--format', 'json', '--out', 'sea.json']);
    expect(r.exitCode, r.stderr).toBe(0);
    await main(['run', '--target', 'model', '--format', 'json', '--out', `${work}/npm.json`], { out: () => {}, err: () => {} });
    expect(readFileSync(`${work}/sea.json`, 'utf8')).toBe(readFileSync(`${work}/npm.json`, 'utf8'));
  });

  it('should load the addon from inside itself and leave no temporary file: probe stops at FURC_NO_KERNEL=1 with exit 4, not at the loader', async () => {
    const tmp = mkdtempSync(`${work}/tmp-`);
    const r = await sea(['probe'], { FURC_NO_KERNEL: '1', TMPDIR: tmp });
    expect([r.exitCode, r.stderr]).toEqual([4, 'furc: cannot probe this kernel: FURC_NO_KERNEL=1: kernel cases are turned off for this run']);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('should print spec --revision R8 --json as the npm CLI does, and refuse --format yaml with one line and exit 2', async () => {
    const out: string[] = [];
    await main(['spec', '--revision', 'R8', '--json'], { out: (s) => out.push(s), err: () => {} });
    const r = await sea(['spec', '--revision', 'R8', '--json']);
    expect([r.exitCode, r.stdout]).toEqual([0, out.join('\n')]);
    const bad = await sea(['run', '--target', 'model', '--format', 'yaml']);
    expect([bad.exitCode, bad.stderr, bad.stdout]).toEqual([2, "furc: unknown format 'yaml' (known: ktap, junit, json, kcidb)", '']);
  });

  it('should refuse furc vm without --standalone, since it carries neither dist/ nor node for the 9p guest', async () => {
    const r = await sea(['vm', '--kernel', 'k', '--', 'probe']);
    expect([r.exitCode, r.stderr]).toEqual([2, 'furc: the packed executable boots only furc vm --standalone (which boots itself)']);
  });
});
