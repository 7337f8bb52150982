import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT } from './paths.js';

const flagsOf = async (flags: string[]) =>
  (await execa(process.execPath, [...flags, '--input-type=module', '-e', `import { sharedNodeFlags } from '${ROOT}dist/src/nodeFlags.js'; console.log(JSON.stringify(sharedNodeFlags()))`])).stdout;

describe('sharedNodeFlags', () => {
  it("should hand on --jitless and --no-expose-wasm and leave --no-warnings and --stack-size=2000 behind", async () => {
    expect(JSON.parse(await flagsOf(['--no-warnings', '--jitless', '--stack-size=2000', '--no-expose-wasm']))).toEqual(['--jitless', '--no-expose-wasm']);
  });

  it('should hand on nothing from a node started without flags', async () => {
    expect(JSON.parse(await flagsOf([]))).toEqual([]);
  });
});
