// Every function a rule row cites from a mainline tree exists in a kernel source of that revision's era: the kernel's
// own text is the oracle (fuse_uring_find_req, which no kernel has, was cited until the spec audit).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRevisions, revision, type MainlineEra } from '../../spec/revisions.js';
import type { RevisionId } from '../../spec/types.js';

/**
 * Trees to read: 6.14–7.1 (fuse_conn era) for R0 and the mainline rows R4 and R7 share with it, 7.3 for R8. Debian's
 * linux-source packages unpacked where furc's kernel-fact notes put them; FURC_KSRC_R0 and FURC_KSRC_R8 name others.
 */
const TREES: Record<MainlineEra, string> = {
  '6.14-7.2': process.env.FURC_KSRC_R0 ?? '/var/cache/furc/src/h1/src-7.1/linux-source-7.1',
  '7.3': process.env.FURC_KSRC_R8 ?? '/var/cache/furc/src/linux-source-7.3',
};
const treeOf = (rev: RevisionId): string => TREES[revision(rev).mainline];


/** A cited function: `defined` in `file` ("fs/fuse/dev.c:fuse_copy_fill", "a → b"), or called there ("…; fuse_request_find"). */
interface Citation { readonly file: string; readonly fn: string; readonly defined: boolean }

/**
 * The mainline citations of a source ref. Parts are cut at "; " and " → "; a part naming an unpublished series (Dec-2025,
 * April-2026) or a commit ends the current file, so the functions after it are not looked up in a mainline tree.
 */
function citations(ref: string): Citation[] {
  const out: Citation[] = [];
  let file: string | null = null;
  for (const [i, part] of ref.split(/(; | → )/).entries()) {
    if (i % 2 === 1) continue;
    const q = /^(?:mainline 6\.14 )?((?:fs|lib)\/[\w/]+\.[ch])(?: \([^)]*\))?:(\w+)/.exec(part);
    const bare = /^([a-z_][a-z0-9_]*_[a-z0-9_]*)(?: \(|$)/.exec(part);
    if (q) { file = q[1]!; out.push({ file, fn: q[2]!, defined: true }); }
    else if (bare && file) out.push({ file, fn: bare[1]!, defined: ref.split(/(; | → )/)[i - 1] === ' → ' });
    else file = null;
  }
  return out;
}

/** Kernel style: a definition starts in column 0 and its line does not end in ';' (which a prototype's does). */
const defines = (text: string, fn: string) => new RegExp(`^(?:[^\\s#/].*[\\s*])?${fn}\\(.*[^;]$`, 'm').test(text);
const mentions = (text: string, fn: string) => new RegExp(`\\b${fn}\\s*\\(`).test(text);

describe('citations', () => {
  it("should read 'fs/fuse/dev_uring.c:fuse_uring_commit_fetch; fuse_request_find' as a definition and a call in dev_uring.c", () => {
    expect(citations('fs/fuse/dev_uring.c:fuse_uring_commit_fetch; fuse_request_find')).toEqual([
      { file: 'fs/fuse/dev_uring.c', fn: 'fuse_uring_commit_fetch', defined: true },
      { file: 'fs/fuse/dev_uring.c', fn: 'fuse_request_find', defined: false },
    ]);
  });

  it('should read nothing from an April-2026 series citation, and only the mainline part of a mixed one', () => {
    expect(citations('April-2026 v2 13/14 (x): fs/fuse/dev_uring.c:fuse_uring_bufring_setup; fuse_bufring_pin_mem')).toEqual([]);
    expect(citations('April-2026 v2 13/14 (x): fs/fuse/dev_uring.c:fuse_uring_bufring_setup (y); mainline 6.14 fs/fuse/dev_uring.c:fuse_uring_create_ring_ent (plain queue)'))
      .toEqual([{ file: 'fs/fuse/dev_uring.c', fn: 'fuse_uring_create_ring_ent', defined: true }]);
  });
});

const cases = allRevisions().flatMap((rev) => Object.values(rev.tables).flatMap((t) => t!.rows.flatMap((row) =>
  citations(row.source.ref).map((c) => [`${rev.id} ${row.id}: ${c.file}:${c.fn}`, rev.id, c] as const))));

describe.each((Object.keys(TREES) as MainlineEra[]).map((era) => [era, TREES[era]] as const))('mainline citations against the %s-era tree %s', (era, tree) => {
  it.for(cases.filter(([, rev]) => treeOf(rev) === tree))('should find %s in that tree', ([, , c], ctx) => {
    const path = `${tree}/${c.file}`;
    if (!existsSync(tree)) ctx.skip(`no ${era}-era kernel tree at ${tree}: unpack one there or name it with FURC_KSRC_${era}`);
    if (!existsSync(path)) ctx.skip(`${tree} has no ${c.file}`);
    const text = readFileSync(path, 'utf8');
    expect(c.defined ? defines(text, c.fn) : mentions(text, c.fn), `${c.fn} ${c.defined ? 'defined' : 'called'} in ${path}`).toBe(true);
  });
});
