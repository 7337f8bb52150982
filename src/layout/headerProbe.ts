// Reads sizeof/offsetof/constant values from a user's fuse.h by compiling a tiny C program, and reports drift.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { UsageError } from '../../spec/errors.js';
import type { Revision } from '../../spec/revisions.js';
import type { AssumptionValues, Layout } from '../../spec/types.js';

export class HeaderError extends UsageError {}

/** One value to read: kind, name, and the C expression that yields it. */
interface Probe { readonly kind: 'size' | 'offset' | 'const' | 'assume'; readonly name: string; readonly expr: string }

export interface HeaderReport {
  readonly values: ReadonlyMap<string, bigint>;
  /** syz-check style lines: bad-size, bad-field-offset, missing-field, missing-struct, bad-const. */
  readonly drift: readonly string[];
  /** Assumption values the header settles, by assumption id. */
  readonly overrides: AssumptionValues;
}

const cName = (l: string) => l.replace(/\$.*$/, '');
// Layouts that fuse.h defines (io_uring and iovec structs come from other headers).
const inFuseH = (l: Layout) => /^fuse_/.test(l.name) && !['fuse_uring_bufpool'].includes(l.name) && !/^fuse_uring_cmd_req_init/.test(l.name);

function probes(rev: Revision): Probe[] {
  const out: Probe[] = [];
  const fields = (struct: string, l: Layout, prefix: string) => {
    for (const f of l.fields) {
      const path = prefix + f.name;
      out.push({ kind: 'offset', name: `${struct}.${path}`, expr: `offsetof(struct ${struct}, ${path})` });
      if (f.type.kind === 'struct') fields(struct, rev.lookup(f.type.layout), `${path}.`);
    }
  };
  for (const l of rev.layouts.filter(inFuseH)) {
    out.push({ kind: 'size', name: cName(l.name), expr: `sizeof(struct ${cName(l.name)})` });
    fields(cName(l.name), l, '');
  }
  for (const c of rev.constants) if (/^(FUSE|FOPEN)_/.test(c.name)) out.push({ kind: 'const', name: c.name, expr: `(${c.name})` });
  for (const a of ASSUMPTIONS.filter((x) => x.headerSymbol && (x.revision === rev.id))) out.push({ kind: 'assume', name: a.id, expr: `(${a.headerSymbol})` });
  return out;
}

const program = (header: string, ps: readonly Probe[]) => [
  '#include <stddef.h>', '#include <stdio.h>', '#include <stdint.h>', `#include "${header}"`,
  'int main(void) {',
  ...ps.map((p, i) => `  printf("%s %s %lld\\n", "${p.kind}", "${p.name}", (long long)${p.expr}); /* probe ${i} */`),
  '  return 0;', '}', '',
].join('\n');

/** Compiles, dropping the probes the header does not define (they become missing-* drift), and runs. */
export async function readHeader(headerPath: string, rev: Revision): Promise<Map<string, bigint>> {
  const header = resolve(headerPath);
  if (!existsSync(header)) throw new HeaderError(`header not found: ${headerPath}`);
  const dir = mkdtempSync(`${tmpdir()}/furc-layout-`);
  try {
    let ps = probes(rev);
    for (let attempt = 0; attempt < 50; attempt++) {
      writeFileSync(`${dir}/probe.c`, program(header, ps));
      const cc = await execa('cc', ['-o', `${dir}/probe`, `${dir}/probe.c`], { reject: false });
      if (cc.exitCode === 0) {
        const run = await execa(`${dir}/probe`);
        return new Map(run.stdout.split('\n').filter(Boolean).map((l) => { const [k, n, v] = l.split(' '); return [`${k} ${n}`, BigInt(v!)]; }));
      }
      const bad = new Set([...cc.stderr.matchAll(/probe\.c:(\d+):/g)].map((m) => Number(m[1])));
      const firstProbeLine = 6;
      const keep = ps.filter((_, i) => !bad.has(i + firstProbeLine));
      if (keep.length === ps.length) throw new HeaderError(`${headerPath} does not compile: ${cc.stderr.split('\n').find((l) => l.includes('error')) ?? cc.stderr.slice(0, 200)}`);
      ps = keep;
    }
    throw new HeaderError(`${headerPath}: gave up after 50 compile attempts`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function headerReport(headerPath: string, rev: Revision): Promise<HeaderReport> {
  const values = await readHeader(headerPath, rev);
  const drift: string[] = [];
  const get = (k: string) => values.get(k);
  for (const l of rev.layouts.filter(inFuseH)) {
    const s = cName(l.name);
    const size = get(`size ${s}`);
    if (size === undefined) { drift.push(`missing-struct: ${s}`); continue; }
    if (Number(size) !== l.size) drift.push(`bad-size: ${s}: spec=${l.size} header=${size}`);
    const walk = (layout: Layout, prefix: string, base: number) => {
      for (const f of layout.fields) {
        const path = prefix + f.name;
        const off = get(`offset ${s}.${path}`);
        if (off === undefined) drift.push(`missing-field: ${s}.${path} (spec offset ${base + f.offset})`);
        else if (Number(off) !== base + f.offset) drift.push(`bad-field-offset: ${s}.${path}: spec=${base + f.offset} header=${off}`);
        if (f.type.kind === 'struct') walk(rev.lookup(f.type.layout), `${path}.`, base + f.offset);
      }
    };
    walk(l, '', 0);
  }
  for (const c of rev.constants) {
    const v = get(`const ${c.name}`);
    if (v !== undefined && v !== c.value) drift.push(`bad-const: ${c.name}: spec=0x${c.value.toString(16)} header=0x${v.toString(16)}`);
  }
  const overrides: Record<string, bigint> = {};
  for (const a of ASSUMPTIONS) {
    const v = get(`assume ${a.id}`);
    if (v !== undefined) overrides[a.id] = v;
  }
  return { values, drift, overrides };
}
