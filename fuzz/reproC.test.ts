// The C reproducer generator (no kernel, no FUSE): every corpus file's program is current and compiles warning-free,
// generated cases of every step kind and of R0 and R8 compile, the emitted layout offsets are the codec's and the kernel
// header's, and the program's pattern table and filesystem answer as spec/fs does.
import { execa } from 'execa';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { decode, encode, type Record as Rec, type Value } from '../spec/codec/codec.js';
import { answer, newFs, OP_IN, ROOT_INO } from '../spec/fs/fs.js';
import { patternBytes } from '../spec/fs/pattern.js';
import { revision, type Revision } from '../spec/revisions.js';
import type { Field } from '../spec/types.js';
import { FOPEN, FUSE_OPCODE } from '../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../spec/uapi/fuse_uring.js';
import type { FuzzCase, Step } from '../src/target/case.js';
import { arbCase } from './arbitraries.js';
import { loadEntry } from './corpus.js';
import { reproducerSource } from './reproC.js';
import { assertPatchable, layoutDefines, type CDefine } from './reproC/layout.js';

const dir = mkdtempSync(`${tmpdir()}/furc-reproc-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveCc = async () => (await execa('cc', ['--version'], { reject: false }).catch(() => null))?.exitCode === 0;
const NO_CC = 'no C compiler (cc): install the Debian package gcc';

/**
 * Compiles each source (a few at a time); resolves to the compiler's complaints per file ('' when clean). 'check' stops
 * after the diagnostics (-fsyntax-only, a quarter of the CPU; an undeclared function is still an error under -Wall
 * -Werror); the sources that are run below are linked.
 */
async function compile(sources: readonly { name: string; text: string }[], extra: readonly string[] = [], mode: 'link' | 'check' = 'link'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const queue = [...sources];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const file = `${dir}/${s.name}.c`;
      writeFileSync(file, s.text);
      const r = await execa('cc', ['-O0', '-Wall', '-Werror', ...extra, ...(mode === 'check' ? ['-fsyntax-only'] : ['-o', `${dir}/${s.name}`]), file], { reject: false });
      out.set(s.name, r.exitCode === 0 ? '' : (r.stderr || `exit ${r.exitCode}`));
    }
  }));
  return out;
}

const kindOf = (s: Step): string => {
  if (s.kind === 'uring_cmd') {
    const op = Object.entries(FUSE_URING_CMD).find(([, v]) => v === s.sqe.cmd_op && v !== FUSE_URING_CMD.FUSE_IO_URING_CMD_INVALID)?.[0]
      .replace(/^FUSE_IO_URING_CMD_/, '').replace(/_AND_FETCH$/, '') ?? 'other_cmd';
    if (op === 'ADD_BUFPOOL') return `ADD_BUFPOOL${s.sqe.fixed ? '.fixed' : ''}`;
    if (op === 'REGISTER' && s.sqe.iov?.[1]?.addr === 'null' && s.sqe.iov[1].len === 0) return 'REGISTER.pool';
    if (op === 'COMMIT' && s.sqe.fixed) return 'COMMIT.fixed';
    return op;
  }
  if (s.kind === 'client') return `client.${s.op}`;
  if (s.kind === 'mem') return `mem.${s.region}.${s.prot}.${s.part}`;
  return s.kind;
};

describe('C reproducer (fuzz/reproC.ts)', () => {
  const corpus = readdirSync('fixtures/regressions').filter((f) => f.endsWith('.json')).sort();

  it('should have every corpus file\'s .c generated from its .json by the current generator', () => {
    for (const f of corpus) {
      const c = `fixtures/regressions/${f.replace(/\.json$/, '.c')}`;
      expect(existsSync(c), `${c} missing: node dist/fuzz/reproC/regenerate.js`).toBe(true);
      expect(readFileSync(c, 'utf8') === reproducerSource(loadEntry(`fixtures/regressions/${f}`).case), `${c} is stale: node dist/fuzz/reproC/regenerate.js`).toBe(true);
    }
  });

  it('should pass cc -fsyntax-only -Wall -Werror with every corpus file\'s reproducer', async (ctx) => {
    if (!(await haveCc())) return ctx.skip(NO_CC);
    const got = await compile(corpus.map((f) => ({ name: f.replace(/\.json$/, ''), text: readFileSync(`fixtures/regressions/${f.replace(/\.json$/, '.c')}`, 'utf8') })), [], 'check');
    for (const [name, err] of got) expect(err, name).toBe('');
  });

  // Fixed seeds whose 30 cases per revision cover every step kind, sync_init and rings without SQE128 (asserted below).
  const samples: Record<'R0' | 'R8', FuzzCase[]> = {
    R0: fc.sample(arbCase('R0', 2), { seed: 20261196, numRuns: 30 }),
    R8: fc.sample(arbCase('R8', 2), { seed: 20261177, numRuns: 30 }),
  };

  it('should draw every step kind in the R0 and R8 samples', () => {
    const kinds = (rev: 'R0' | 'R8') => new Set(samples[rev].flatMap((c) => c.steps.map(kindOf).map((k) => k.replace(/^mem\.(\w+)\..*/, 'mem.$1'))));
    const common = ['REGISTER', 'COMMIT', 'other_cmd', 'serve', 'mem.header', 'mem.payload', 'dev_reply', 'abort', 'umount', 'ring_exit', 'server_exit',
      ...['stat', 'open', 'create', 'read', 'write', 'fsync', 'close'].map((o) => `client.${o}`)];
    expect([...kinds('R0')].sort()).toEqual(expect.arrayContaining(common));
    expect([...kinds('R8')].sort()).toEqual(expect.arrayContaining([...common, 'ADD_QUEUE', 'ADD_BUFPOOL', 'ADD_BUFPOOL.fixed', 'REGISTER.pool', 'COMMIT.fixed']));
    for (const rev of ['R0', 'R8'] as const) {
      expect(samples[rev].some((c) => c.config.sync_init), `${rev}: a sync_init case`).toBe(true);
      expect(samples[rev].some((c) => !c.config.sqe128), `${rev}: a ring without SQE128`).toBe(true);
    }
  });

  for (const rev of ['R0', 'R8'] as const) {
    it(`should pass cc -fsyntax-only -Wall -Werror with the reproducers of 30 generated ${rev} cases`, async (ctx) => {
      if (!(await haveCc())) return ctx.skip(NO_CC);
      const got = await compile(samples[rev].map((c, i) => ({ name: `${rev}-${i}`, text: reproducerSource(c) })), [], 'check');
      for (const [name, err] of got) expect(err, name).toBe('');
    });
  }

  it('should compile each step kind to its runtime call', () => {
    const src = samples.R8.map(reproducerSource).join('\n');
    for (const call of ['run_cmd(&c);', 'resolve_commit(', 'client_step(', 'serve("', 'mem_step(MEM_HEADER', 'mem_step(MEM_PAYLOAD', 'dev_reply(',
      'abort_step();', 'resolver_umounted = 1;\n  umount_step();', 'ring_exit();', 'server_exit();', '.has_bufpool = 1']) expect(src).toContain(call);
    expect(reproducerSource({ ...samples.R8[0]!, steps: [{ kind: 'mem', region: 'pool', qid: 1, prot: 'none', part: 'tail' }] })).toContain('mem_step(MEM_POOL, "", 1, P_NONE, PART_TAIL);');
  });

  it('should refuse tags whose localeCompare order is not their byte order (serve and the Resolver sort by it)', () => {
    const c = samples.R0[0]!;
    expect(() => reproducerSource({ ...c, steps: [{ kind: 'serve', tag: 'S2' }, { kind: 'serve', tag: 's1' }] })).toThrow(/order differently/);
  });

  it('should refuse a template whose unpatched bytes depend on a run-time value', () => {
    expect(() => assertPatchable('x', Uint8Array.of(1, 2, 3), Uint8Array.of(1, 9, 3), [[0, 1]])).toThrow(/byte 1/);
    expect(() => assertPatchable('x', Uint8Array.of(1, 2, 3), Uint8Array.of(7, 2, 3), [[0, 1]])).not.toThrow();
  });
});

/** The #defines the generated program carries for a revision, parsed back from its source. */
function emitted(src: string): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const [, name, v] of src.matchAll(/^#define (\w+) \(?(-?\d+)(?:ull|ll|u)?\)?/gm)) m.set(name!, BigInt(v!));
  return m;
}

describe('C reproducer layouts', () => {
  const caseOf = (rev: 'R0' | 'R8'): FuzzCase => fc.sample(arbCase(rev, 2), { seed: 5, numRuns: 1 })[0]!;

  for (const rev of ['R0', 'R8'] as const) {
    it(`should emit, for ${rev}, each field offset where the codec puts a value and each size as the layout's`, () => {
      const r = revision(rev);
      const src = emitted(reproducerSource(caseOf(rev)));
      const defs = layoutDefines(r);
      expect(defs.length).toBeGreaterThan(40);
      for (const d of defs) {
        expect(src.get(d.name), d.name).toBe(BigInt(d.value));
        if (!d.layout || !d.field) continue;
        // Independently of fieldAt: encode a marker into just that field and find where its bytes land.
        const where = markerOffset(r, d);
        expect(where, `${d.layout}.${d.field}`).toBe(Number(d.value));
      }
    });
  }

  // The uapi header of a kernel of each revision: 7.2 has R0's 24-byte cmd_req, 7.3 R8's 40-byte one with the union.
  const HEADERS = { R0: '/var/cache/furc/src/linux-source-7.2/include/uapi/linux/fuse.h', R8: '/var/cache/furc/src/linux-source-7.3/include/uapi/linux/fuse.h' } as const;
  for (const rev of ['R0', 'R8'] as const) {
    it(`should emit, for ${rev}, the offsets and sizes offsetof()/sizeof() give with ${HEADERS[rev]}`, async (ctx) => {
      if (!existsSync(HEADERS[rev])) return ctx.skip(`kernel header ${HEADERS[rev]} absent (a linux-source package unpacked under /var/cache/furc/src)`);
      if (!(await haveCc())) return ctx.skip(NO_CC);
      const defs = layoutDefines(revision(rev)).filter((d) => d.layout);
      const cName = (l: string) => l.replace(/\$.*/, '');
      const rows = defs.map((d) => {
        const st = `struct ${cName(d.layout!)}`;
        // The SQE128 views (URING_CMD, read/write) are 128 bytes; struct io_uring_sqe declares the first 64.
        if (!d.field) return d.layout!.startsWith('io_uring_sqe$') ? null : `  printf("${d.name} %zu\\n", sizeof(${st}));`;
        return `  printf("${d.name} %zu\\n", offsetof(${st}, ${d.field}));`;
      }).filter(Boolean);
      const prog = `#include <stddef.h>\n#include <stdio.h>\n#include <stdint.h>\n#include <sys/uio.h>\n#include <linux/io_uring.h>\n#include "${HEADERS[rev]}"\nint main(void) {\n${rows.join('\n')}\n  return 0;\n}\n`;
      const got = await compile([{ name: `offsets-${rev}`, text: prog }]);
      expect(got.get(`offsets-${rev}`)).toBe('');
      const run = await execa(`${dir}/offsets-${rev}`);
      const fromHeader = new Map(run.stdout.split('\n').map((l) => l.split(' ')).map(([n, v]) => [n!, Number(v)]));
      expect(fromHeader.size).toBe(rows.length);
      for (const [name, v] of fromHeader) expect(v, name).toBe(Number(defs.find((d) => d.name === name)!.value));
    });
  }
});

/** Where a marker encoded into one field (by its path) lands in the layout's bytes, found by the codec alone. */
function markerOffset(r: Revision, d: CDefine): number {
  const mark = (f: Field): Value => {
    if (f.type.kind === 'bytes') return new Uint8Array(f.type.size).fill(0xa5);
    if (f.type.kind === 'struct') return Object.fromEntries(r.lookup(f.type.layout).fields.map((x) => [x.name, mark(x)]));
    return { u8: 0xa5, bool: 0xa5, u16: 0xa5a5, u32: 0xa5a5a5a5, i32: -0x5a5a5a5b, u64: 0xa5a5a5a5a5a5a5a5n, i64: -0x5a5a5a5a5a5a5a5bn }[f.type.scalar];
  };
  const leaf = (l: string, p: readonly string[]): Rec => {
    const f = r.lookup(l).fields.find((x) => x.name === p[0])!;
    return { [f.name]: p.length > 1 && f.type.kind === 'struct' ? leaf(f.type.layout, p.slice(1)) : mark(f) };
  };
  const b = encode(r.lookup(d.layout!), leaf(d.layout!, d.field!.split('.')), r.lookup);
  expect(b.filter((x) => x === 0xa5).length, `${d.layout}.${d.field} marker width`).toBe(d.width);
  return b.indexOf(0xa5);
}

describe('C reproducer runtime (--selftest: no FUSE, no ring)', () => {
  it('should build the spec\'s pattern table and answer fs requests byte for byte as spec/fs/fs.ts', async (ctx) => {
    if (!(await haveCc())) return ctx.skip(NO_CC);
    const r = revision('R8');
    const drawn = fc.sample(arbCase('R8', 2), { seed: 9, numRuns: 1 })[0]!;
    const c: FuzzCase = { ...drawn, config: { ...drawn.config, open_flags: FOPEN.FOPEN_KEEP_CACHE } };
    const got = await compile([{ name: 'selftest', text: reproducerSource(c) }]);
    expect(got.get('selftest')).toBe('');
    const O = FUSE_OPCODE;
    const L = (n: string, v: Rec) => encode(r.lookup(n), v, r.lookup);
    const name = (n: string) => Buffer.from(`${n}\0`, 'latin1');
    const ino = (n: string) => newFs(0).files.get(n)!.ino;
    // A script over the whole answer(): lookups, getattrs, opens, reads at and past the end, writes that grow a file,
    // creates (new and existing), flush/release/fsync, an unknown opcode, requests for files that do not exist.
    type Req = { opcode: number; nodeid: bigint; opIn: Uint8Array | null; payload: Uint8Array };
    const script: Req[] = [
      { opcode: O.FUSE_LOOKUP, nodeid: ROOT_INO, opIn: null, payload: name('small') },
      { opcode: O.FUSE_LOOKUP, nodeid: ROOT_INO, opIn: null, payload: name('nope') },
      { opcode: O.FUSE_LOOKUP, nodeid: ino('small'), opIn: null, payload: name('small') },
      { opcode: O.FUSE_GETATTR, nodeid: ROOT_INO, opIn: L('fuse_getattr_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_GETATTR, nodeid: ino('big'), opIn: L('fuse_getattr_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_GETATTR, nodeid: 99n, opIn: L('fuse_getattr_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_OPEN, nodeid: ino('empty'), opIn: L('fuse_open_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_OPEN, nodeid: 99n, opIn: L('fuse_open_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_READ, nodeid: ino('small'), opIn: L('fuse_read_in', { offset: 4000n, size: 200 }), payload: new Uint8Array() },
      { opcode: O.FUSE_READ, nodeid: ino('small'), opIn: L('fuse_read_in', { offset: 5000n, size: 200 }), payload: new Uint8Array() },
      { opcode: O.FUSE_READ, nodeid: ino('big'), opIn: L('fuse_read_in', { offset: 1n << 20n, size: 4096 }), payload: new Uint8Array() },
      { opcode: O.FUSE_WRITE, nodeid: ino('empty'), opIn: L('fuse_write_in', { offset: 10n, size: 300 }), payload: patternBytes(Number(ino('empty')), 10, 300) },
      { opcode: O.FUSE_GETATTR, nodeid: ino('empty'), opIn: L('fuse_getattr_in', {}), payload: new Uint8Array() },
      { opcode: O.FUSE_READ, nodeid: ino('empty'), opIn: L('fuse_read_in', { offset: 0n, size: 400 }), payload: new Uint8Array() },
      { opcode: O.FUSE_CREATE, nodeid: ROOT_INO, opIn: L('fuse_create_in', { flags: 0o102, mode: 0o100644 }), payload: name('new0') },
      { opcode: O.FUSE_CREATE, nodeid: ROOT_INO, opIn: L('fuse_create_in', { flags: 0o102, mode: 0o100644 }), payload: name('small') },
      { opcode: O.FUSE_WRITE, nodeid: 5n, opIn: L('fuse_write_in', { offset: 0n, size: 5000 }), payload: patternBytes(5, 0, 5000) },
      { opcode: O.FUSE_LOOKUP, nodeid: ROOT_INO, opIn: null, payload: name('new0') },
      { opcode: O.FUSE_READ, nodeid: 5n, opIn: L('fuse_read_in', { offset: 4096n, size: 4096 }), payload: new Uint8Array() },
      { opcode: O.FUSE_WRITE, nodeid: 99n, opIn: L('fuse_write_in', { offset: 0n, size: 1 }), payload: Uint8Array.of(0) },
      ...[O.FUSE_FLUSH, O.FUSE_RELEASE, O.FUSE_FSYNC, O.FUSE_STATFS].map((opcode) => ({ opcode, nodeid: ino('small'), opIn: null, payload: new Uint8Array() })),
    ];
    const hex = (b: Uint8Array | null) => (b && b.length ? Buffer.from(b).toString('hex') : '-');
    const input = script.map((q) => `${q.opcode} ${q.nodeid} ${hex(q.opIn)} ${hex(q.payload)}`).join('\n') + '\n';
    const run = await execa(`${dir}/selftest`, ['--selftest'], { input });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('pattern ok');
    // The spec's answers for the same requests, against its own filesystem (op_in decoded by the codec).
    const fs = newFs(FOPEN.FOPEN_KEEP_CACHE);
    script.forEach((q, i) => {
      const layout = OP_IN[q.opcode];
      const opIn = q.opIn && layout ? decode(r.lookup(layout), q.opIn, r.lookup) : null;
      const a = answer(fs, { ...q, opIn });
      expect(lines[i + 1], `request ${i + 1} (opcode ${q.opcode})`).toBe(`${a.error} ${hex(a.body)}`);
    });
  });
});
