// The argument parser on a small declaration: typed values, the --name=value form, variadic positionals, the usage line.
import { describe, expect, it } from 'vitest';
import { parse, usageLine, type Command } from './args.js';

const DEMO = {
  name: 'demo', help: 'a command for this test', positionals: { names: ['FILE'], variadic: true },
  options: {
    input: { kind: 'string', value: 'FILE', help: 'read this', required: true },
    runs: { kind: 'int', value: 'N', help: 'this many' },
    mode: { kind: 'enum', values: ['fast', 'slow'], help: 'how' },
    verbose: { kind: 'flag', help: 'say more' },
  },
} as const satisfies Command;

describe('parse', () => {
  it('should read "--input=x --runs 25 a b" as input x, runs the number 25, verbose false and positionals [a, b]', () => {
    const p = parse(DEMO, ['--input=x', '--runs', '25', 'a', 'b']);
    expect(p.values).toEqual({ input: 'x', runs: 25, mode: undefined, verbose: false });
    expect(p.positionals).toEqual(['a', 'b']);
  });

  it("should refuse '--runs 2.5' and '--runs 1e3', which are not whole numbers", () => {
    expect(() => parse(DEMO, ['--input', 'x', '--runs', '2.5'])).toThrow("--runs takes a whole number, got '2.5'");
    expect(() => parse(DEMO, ['--input', 'x', '--runs', '1e3'])).toThrow("--runs takes a whole number, got '1e3'");
  });
});

describe('usageLine', () => {
  it('should show the positionals, the required option bare, the others in brackets with their values', () => {
    expect(usageLine(DEMO)).toBe('furc demo [FILE…] --input FILE [--runs N] [--mode fast|slow] [--verbose]');
  });
});
