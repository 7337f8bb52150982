// A guard for "every constant has one declaration, in spec/": no numeric cmd_op, FUSE opcode or negative errno literal
// reappears in the harness's sources outside spec/ (TypeScript, the C they generate, the addon and the bench's C).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.js';

/** Where harness code lives; spec/ declares the facts, fixtures/ and notes/ are recorded data. */
const DIRS = ['src', 'fuzz', 'bench', 'properties', 'native-probe', 'scripts', 'ksft'];
const CODE = /\.(ts|mjs|cc|h|c)$/;

/** Lines whose numbers only look like errnos, each with why (keep it short: every entry is one the guard cannot judge). */
const ALLOWED: readonly { readonly file: string; readonly line: RegExp; readonly why: string }[] = [
  { file: 'properties/kernel/background.test.ts', line: /depths: \[2, 1, 0, -1, -2, -3, -4\]/, why: 'READs in flight, negative once refused COMMITs are counted' },
  { file: 'properties/kernel/background.test.ts', line: /toMatch\(\/\^the read returned -5\//, why: 'the judge\'s message quotes the read result (in a regex)' },
  { file: 'properties/uapi/literals.test.ts', line: /^\s+\{ file: '/, why: 'this allow-list quotes the lines it allows' },
];

function files(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try { names = readdirSync(`${ROOT}${dir}`); } catch { return out; }
  for (const n of names) {
    const rel = `${dir}/${n}`;
    if (n === 'node_modules' || n === 'build') continue;
    if (statSync(`${ROOT}${rel}`).isDirectory()) out = out.concat(files(rel));
    else if (CODE.test(n)) out.push(rel);
  }
  return out;
}

/** Comments and '…' / "…" strings (test titles, messages) out; template literals stay: the C generators write C in them. */
const strip = (text: string): string => text
  .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
  .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
  .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");

/** errno ranges: asm-generic errno-base.h/errno.h (1–133; -1 is every syscall's plain failure) and the kernel's 512–530. */
const isErrno = (n: number): boolean => (n >= 2 && n <= 133) || (n >= 512 && n <= 530);

/** Each typed fact in `code` (with its line): a cmd_op number, an opcode compared with or set to a number, a negative errno literal. */
function typedFacts(code: string, allowed: (line: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const raw = code.split('\n');
  strip(code).split('\n').forEach((line, i) => {
    if (allowed(raw[i] ?? '')) return;
    for (const m of line.matchAll(/\bcmd_op\s*(?::|===|!==|==|!=)\s*\d+/g)) out.push(`${i + 1}: cmd_op literal "${m[0]}"`);
    for (const m of line.matchAll(/\b(?:opcode\s*(?:===|!==|==|!=|:)|op\s*(?:===|!==|==|!=))\s*\d+/g)) out.push(`${i + 1}: opcode literal "${m[0]}"`);
    // Not a subtraction, an index from the end (slice(-3)) or a diff hunk (@@ -3,4).
    for (const m of line.matchAll(/(?<![\w.\-)\]]|\.(?:slice|at|subarray|substr|splice)\(|@@ )-(\d+)n?\b/g)) {
      if (isErrno(Number(m[1]))) out.push(`${i + 1}: negative errno literal "${m[0]}"`);
    }
  });
  return out;
}

describe('typedFacts', () => {
  it('should find cmd_op: 2, op != 42, res: -512 and errnoName(-125) and nothing in names, subtractions, slices, hunks or strings', () => {
    const bad = ['sqe: { cmd_op: 2, qid: 0 }', 'if (op != 42 && op != 36) {', '{ kind: \'cqe\', res: -512 }', 'errnoName(-125)', 'c.sqe.cmd_op === 1 ?'];
    expect(bad.map((l) => typedFacts(l).length)).toEqual([1, 2, 1, 1, 1]);
    const good = ['sqe: { cmd_op: COMMIT, qid: 0 }', 'res: -ERRNO.ERESTARTSYS', 'len - 4', 'b.slice(-3)', '`@@ -3,4 +3,4 @@`', 'x = -1', "it('answers -22 (EINVAL)')", '// res -512', 'error: -100000'];
    expect(good.flatMap((l) => typedFacts(l))).toEqual([]);
  });
});

describe('the harness outside spec/', () => {
  const all = DIRS.flatMap(files);

  it('should scan more than 250 source files, src/kernel/conn.ts and native-probe/bench/baseline.c among them', () => {
    expect(all.length).toBeGreaterThan(250);
    expect(all).toEqual(expect.arrayContaining(['src/kernel/conn.ts', 'native-probe/bench/baseline.c', 'src/race/reproC.ts']));
  });

  it('should type no cmd_op number, FUSE opcode or negative errno: each is a name from spec/', () => {
    const allowedIn = (f: string) => (line: string) => ALLOWED.some((a) => a.file === f && a.line.test(line));
    const found = all.flatMap((f) => typedFacts(readFileSync(`${ROOT}${f}`, 'utf8'), allowedIn(f)).map((x) => `${f}:${x}`));
    expect(found).toEqual([]);
  });

  it('should allow only lines that exist: each allow-list entry matches a line of its file', () => {
    for (const a of ALLOWED) expect(readFileSync(`${ROOT}${a.file}`, 'utf8').split('\n').some((l) => a.line.test(l)), `${a.file} ${a.line}`).toBe(true);
  });
});
