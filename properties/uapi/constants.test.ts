// Every constant spec/uapi exports is its revision's `constants` entry (and back), and each one a kernel file defines
// has the value a real kernel tree gives it: compiled from its uapi header, or read from its #define elsewhere.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ERRNO } from '../../spec/errno.js';
import { revision, type Revision } from '../../spec/revisions.js';
import * as fuseKernel from '../../spec/uapi/fuse_kernel.js';
import * as fuseUring from '../../spec/uapi/fuse_uring.js';
import * as ioUring from '../../spec/uapi/io_uring.js';
import * as linux from '../../spec/uapi/linux.js';
import { REVISIONS, type Constant, type RevisionId } from '../../spec/types.js';
import { CACHE, DOWNLOADS } from '../../src/kbuild/cache.js';

interface Fact { readonly export: string; readonly name: string; readonly rev: RevisionId | null; readonly value: bigint }

const isInt = (v: unknown): v is number | bigint => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));

/** A named value each module exports: a number, or an entry of an exported table of them; `X$R8` is revision R8's X. */
function facts(): Fact[] {
  const out: Fact[] = [];
  const add = (exp: string, key: string, v: number | bigint) => {
    const [name, rev] = key.split('$') as [string, string | undefined];
    out.push({ export: exp, name, rev: (rev as RevisionId | undefined) ?? null, value: BigInt(v) });
  };
  for (const mod of [fuseKernel, fuseUring, ioUring, linux]) {
    for (const [exp, v] of Object.entries(mod)) {
      if (!/^[A-Z][A-Z0-9_]*(\$R\d+)?$/.test(exp)) continue;
      if (isInt(v)) add(exp, exp, v);
      else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && Object.values(v).every(isInt)) {
        const suffix = exp.includes('$') ? `$${exp.split('$')[1]}` : '';
        for (const [k, x] of Object.entries(v as Record<string, number | bigint>)) add(`${exp}.${k}`, `${k}${suffix}`, x);
      }
    }
  }
  return out;
}

const revs = REVISIONS.map((r) => revision(r));
const byName = (r: Revision, name: string) => r.constants.filter((c) => c.name === name);

describe('spec/uapi exports and the revisions\' constants', () => {
  const all = facts();

  it('should find more than 90 exported constants, FUSE_OPCODE.FUSE_INIT = 26 and FUSE_URING_ZERO_COPY$R8 among them', () => {
    expect(all.length).toBeGreaterThan(90);
    expect(all).toContainEqual({ export: 'FUSE_OPCODE.FUSE_INIT', name: 'FUSE_INIT', rev: null, value: 26n });
    expect(all).toContainEqual({ export: 'FUSE_URING_ZERO_COPY$R8', name: 'FUSE_URING_ZERO_COPY', rev: 'R8', value: 1n });
  });

  it('should list every exported constant, with its value, in the constants of its revision (of some revision when unsuffixed)', () => {
    for (const f of all) {
      const where = f.rev ? revs.filter((r) => r.id === f.rev) : revs;
      const found = where.flatMap((r) => byName(r, f.name).map((c) => [r.id, c.value] as const));
      expect(found.length, `${f.export} is in no revision's constants`).toBeGreaterThan(0);
      for (const [id, v] of found) expect(v, `${f.export} vs ${id}'s ${f.name}`).toBe(f.value);
    }
  });

  it('should declare every constant of every revision once, as an export of spec/uapi with the same value', () => {
    for (const r of revs) {
      const names = r.constants.map((c) => c.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i), `${r.id} lists a constant twice`).toEqual([]);
      for (const c of r.constants) {
        const decl = all.filter((f) => f.name === c.name && (f.rev === null || f.rev === r.id) && f.value === c.value);
        expect(decl.length, `${r.id} ${c.name} = ${c.value} has no declaration in spec/uapi`).toBeGreaterThan(0);
      }
    }
  });
});

// ---- The independent oracle: kernel trees fetched by furc kernel build / furc matrix into the cache. ----

/** A source tree whose include/uapi/linux/fuse.h has R8's ADD_QUEUE, and one whose has R0's io-uring without it. */
function trees(): Partial<Record<'R0' | 'R8', string>> {
  const roots: string[] = [];
  const list = (d: string) => { try { return readdirSync(d); } catch { return []; } };
  for (const e of list(DOWNLOADS)) if (e.startsWith('linux-source-')) roots.push(`${DOWNLOADS}/${e}`);
  for (const e of list(`${CACHE}/src`)) roots.push(`${CACHE}/src/${e}/tree`);
  const out: Partial<Record<'R0' | 'R8', string>> = {};
  for (const root of roots) {
    const h = `${root}/include/uapi/linux/fuse.h`;
    if (!existsSync(h)) continue;
    const text = readFileSync(h, 'utf8');
    const rev = text.includes('FUSE_IO_URING_CMD_ADD_QUEUE') ? 'R8' : text.includes('FUSE_OVER_IO_URING') ? 'R0' : null;
    // The most complete tree of each kind: a full unpacked tree has include/linux, a fuse-only extract does not.
    if (rev && (!out[rev] || (!existsSync(`${out[rev]}/include/linux/fs.h`) && existsSync(`${root}/include/linux/fs.h`)))) out[rev] = root;
  }
  return out;
}

const work = mkdtempSync(`${tmpdir()}/furc-uapi-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Values of `names` (macros or enumerators) after #include <header> with the tree's include/uapi first; undefined ones are left out. */
async function compiled(tree: string, header: string, names: readonly string[]): Promise<Map<string, bigint>> {
  let left = [...names];
  for (let attempt = 0; attempt < 5 && left.length; attempt++) {
    const file = `${work}/probe.c`;
    writeFileSync(file, ['#include <stdio.h>', '#include <sys/ioctl.h> /* _IO() of FUSE_DEV_IOC_* */', `#include <${header}>`, 'int main(void) {',
      ...left.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`), '  return 0;', '}', ''].join('\n'));
    // Unexported uapi headers still carry __user, which headers_install strips.
    const cc = await execa('cc', ['-D__user=', '-I', `${tree}/include/uapi`, '-o', `${work}/probe`, file], { reject: false });
    if (cc.exitCode === 0) {
      const run = await execa(`${work}/probe`);
      return new Map(run.stdout.split('\n').filter(Boolean).map((l) => { const [n, v] = l.split(' '); return [n!, BigInt(v!)]; }));
    }
    const bad = new Set([...cc.stderr.matchAll(/probe\.c:(\d+):/g)].map((m) => Number(m[1]) - 5));
    if (bad.size === 0) throw new Error(`${header} does not compile: ${cc.stderr.slice(0, 300)}`);
    left = left.filter((_, i) => !bad.has(i));
  }
  return new Map();
}

/** `#define NAME value` in a kernel-internal file, for the simple values such files give (2, 0x2, (1ULL << 0)). */
function defined(file: string, name: string): bigint | undefined {
  const m = new RegExp(`^#define\\s+${name}\\s+\\(?\\s*(0x[0-9a-fA-F]+|\\d+)[uUlL]*(?:\\s*<<\\s*(\\d+))?\\s*\\)?\\s*(?:/\\*.*)?$`, 'm').exec(readFileSync(file, 'utf8'));
  return m ? BigInt(m[1]!) << BigInt(m[2] ?? 0) : undefined;
}

/** The kernel file a constant cites ("include/uapi/linux/fuse.h (7.46, …):X" → include/uapi/linux/fuse.h), if it cites one. */
const fileOf = (c: Constant): string | null => /^((?:include|fs)\/[\w/.-]+\.[ch])\b/.exec(c.source.ref)?.[1] ?? null;

/** Checks every constant of `rev` whose cited file `tree` has; returns the names it checked. */
async function checkAgainst(rev: Revision, tree: string): Promise<string[]> {
  const checked: string[] = [];
  const byFile = new Map<string, Constant[]>();
  for (const c of rev.constants) {
    const f = fileOf(c);
    if (f && existsSync(`${tree}/${f}`)) byFile.set(f, [...(byFile.get(f) ?? []), c]);
  }
  for (const [file, cs] of byFile) {
    const got = file.startsWith('include/uapi/')
      ? await compiled(tree, file.slice('include/uapi/'.length), cs.map((c) => c.name))
      : new Map(cs.flatMap((c) => { const v = defined(`${tree}/${file}`, c.name); return v === undefined ? [] : [[c.name, v] as const]; }));
    for (const c of cs) {
      expect(got.has(c.name), `${c.name}: ${tree}/${file} does not define it`).toBe(true);
      expect(got.get(c.name), `${c.name} in ${tree}/${file}`).toBe(c.value);
      checked.push(c.name);
    }
  }
  return checked;
}

const found = trees();
const haveCc = (await execa('cc', ['--version'], { reject: false }).catch(() => null))?.exitCode === 0;

describe('spec constants against a real kernel tree', () => {
  for (const id of ['R0', 'R8'] as const) {
    const tree = found[id];
    const why = !haveCc ? 'no C compiler (cc): install the Debian package gcc'
      : !tree ? `no kernel tree with ${id}'s fuse.h under ${DOWNLOADS} or ${CACHE}/src (furc kernel build fetches one)` : null;
    it.skipIf(why !== null)(`should give ${id}'s constants that cite include/… or fs/… the values of ${tree ?? 'a kernel tree'}${why ? ` (skipped: ${why})` : ''}`, async () => {
      const checked = await checkAgainst(revision(id), tree!);
      // Not vacuous: the opcodes, the cmd_ops and the io_uring values are among what the tree settled.
      expect(checked).toEqual(expect.arrayContaining(['FUSE_INIT', 'FUSE_IO_URING_CMD_REGISTER', 'IORING_OP_URING_CMD', 'FUSE_OVER_IO_URING', 'FUSE_URING_IN_OUT_HEADER_SZ']));
      if (id === 'R8') expect(checked).toEqual(expect.arrayContaining(['FUSE_IO_URING_CMD_ADD_BUFPOOL', 'FUSE_URING_ZERO_COPY', 'FUSE_HAS_IO_URING_BUFPOOL', 'FUSE_KERNEL_MINOR_VERSION']));
    });
  }

  it.skipIf(!found.R0 && !found.R8)('should find every constant that cites a kernel file in one of the trees (only the posted series R4 and R7 cite none)', async () => {
    const checked = new Set<string>();
    for (const id of ['R0', 'R8'] as const) if (found[id]) for (const n of await checkAgainst(revision(id), found[id]!)) checked.add(n);
    const cited = (['R0', 'R8'] as const).filter((id) => found[id]).flatMap((id) => revision(id).constants.filter((c) => fileOf(c)).map((c) => c.name));
    expect(cited.filter((n) => !checked.has(n)), 'cite a file no tree here has').toEqual([]);
    const uncited = revs.flatMap((r) => r.constants.filter((c) => !fileOf(c)).map((c) => `${r.id} ${c.name}`));
    expect(uncited.every((x) => /^R[47] /.test(x)), uncited.join(', ')).toBe(true);
  });

  it.skipIf(!found.R0)('should give every ERRNO name the number of asm-generic/errno-base.h, errno.h or include/linux/errno.h', () => {
    const files = ['include/uapi/asm-generic/errno-base.h', 'include/uapi/asm-generic/errno.h', 'include/linux/errno.h'].map((f) => `${found.R0}/${f}`);
    for (const [name, value] of Object.entries(ERRNO)) {
      const got = files.map((f) => (existsSync(f) ? defined(f, name) : undefined)).find((v) => v !== undefined);
      expect(got, name).toBe(BigInt(value));
    }
  });
});
