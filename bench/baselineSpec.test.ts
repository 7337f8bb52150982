// The raw-C bench baseline builds from the header bench/baselineSpec.ts generates from spec/ (no kernel, no FUSE).
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';
import { baselineHeader } from './baselineSpec.js';

const dir = mkdtempSync(`${tmpdir()}/furc-baseline-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveCc = (await execa('cc', ['--version'], { reject: false }).catch(() => null))?.exitCode === 0;
const cc = (extra: string[]) => execa('cc', ['-O2', '-Wall', '-Werror', ...extra, '-o', `${dir}/baseline`, `${ROOT}native-probe/bench/baseline.c`], { reject: false });

describe.skipIf(!haveCc)('native-probe/bench/baseline.c', () => {
  it('should compile with cc -O2 -Wall -Werror -include the generated header, whose HDR_SIZEOF is 288 and SPEC_FUSE_READ 15', async () => {
    const h = baselineHeader();
    expect(h).toMatch(/^#define HDR_SIZEOF 288\b/m);
    expect(h).toMatch(/^#define SPEC_FUSE_READ 15$/m);
    writeFileSync(`${dir}/bench-spec.h`, h);
    const r = await cc(['-include', `${dir}/bench-spec.h`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('should not compile without it: the C declares no offset or opcode of its own (HDR_SIZEOF, SPEC_FUSE_LOOKUP undeclared)', async () => {
    const r = await cc([]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/'HDR_SIZEOF' undeclared|‘HDR_SIZEOF’ undeclared/);
    expect(r.stderr).toMatch(/'SPEC_FUSE_LOOKUP' undeclared|‘SPEC_FUSE_LOOKUP’ undeclared/);
  });
});
