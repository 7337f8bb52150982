// furc kernel build on bad input: one line, exit 2, before any work, and nothing in the cache.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFragment } from '../kbuild/kconfig.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FURC = `${ROOT}dist/src/cli/furc.js`;
const work = mkdtempSync(`${tmpdir()}/furc-kbtest-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tree that looks like a kernel source to furc: a Kconfig declaring every symbol the minimal fragment asks for, except `missing`. */
function fakeTree(name: string, missing?: string): string {
  const t = `${work}/${name}`;
  mkdirSync(`${t}/arch/x86`, { recursive: true });
  mkdirSync(`${t}/fs/fuse`, { recursive: true });
  writeFileSync(`${t}/Makefile`, '');
  const asked = parseFragment(readFileSync(`${ROOT}kconfig/minimal-qemu.config`, 'utf8'), 'm').map((s) => s.name).filter((n) => n !== missing);
  writeFileSync(`${t}/Kconfig`, asked.map((n) => `config ${n}\n\tbool "${n}"\n`).join('\n'));
  writeFileSync(`${t}/fs/fuse/dev_uring.c`, 'static int f(void)\n{\n\treturn -EINVAL;\n}\n');
  return t;
}

const PATCH = `Subject: [PATCH] fuse: f answers EIO

--- a/fs/fuse/dev_uring.c
+++ b/fs/fuse/dev_uring.c
@@ -1,4 +1,4 @@
 static int f(void)
 {
-\treturn -ENOENT;
+\treturn -EIO;
 }
`;

async function furc(args: string[], env: Record<string, string> = {}) {
  const cache = mkdtempSync(`${work}/cache-`);
  const r = await execa(process.execPath, [FURC, ...args], { reject: false, cwd: work, env: { FURC_KBUILD_CACHE: cache, ...env } });
  const left = existsSync(cache) ? readdirSync(cache) : [];
  return { code: r.exitCode, stdout: r.stdout, lines: r.stderr.split('\n').filter(Boolean), left };
}

describe('furc kernel build refuses bad input before any work', () => {
  it('should name the patch file, the patch and hunk #1 of fs/fuse/dev_uring.c when "return -ENOENT;" is not in the tree', async () => {
    writeFileSync(`${work}/0001-eio.patch`, PATCH);
    const r = await furc(['kernel', 'build', '--source', fakeTree('t1'), '--patch', `${work}/0001-eio.patch`]);
    expect(r).toMatchObject({ code: 2, stdout: '', left: [] });
    expect(r.lines).toEqual([`furc: ${work}/0001-eio.patch: patch 1/1 "[PATCH] fuse: f answers EIO": hunk #1 @@ -1,4 +1,4 @@ of fs/fuse/dev_uring.c does not apply`]);
  });

  it('should say there is no C compiler when CC names /nonexistent/gcc', async () => {
    const r = await furc(['kernel', 'build', '--source', fakeTree('t2')], { CC: '/nonexistent/gcc' });
    expect(r).toMatchObject({ code: 2, left: [] });
    expect(r.lines).toEqual(["furc: no C compiler: '/nonexistent/gcc' was not found (install the Debian package gcc, or set CC)"]);
  });

  it('should name the fragment line of CONFIG_FUSE_IO_URING when the tree has no Kconfig declaring it (a 6.13 tree, say)', async () => {
    const r = await furc(['kernel', 'build', '--source', fakeTree('t3', 'FUSE_IO_URING')]);
    expect(r).toMatchObject({ code: 2, left: [] });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^furc: kconfig\/minimal-qemu\.config:\d+: CONFIG_FUSE_IO_URING is not known to this tree \(no Kconfig file declares it\)$/);
  });

  it.each([
    [['kernel', 'build'], 'furc: give exactly one of --source DIR and --debian SERIES'],
    [['kernel', 'build', '--debian', '7.9'], "furc: unknown debian '7.9' (known: 7.2, 7.3)"],
    [['kernel', 'build', '--debian', '7.2', '--debug', 'ubsan'], "furc: unknown debug 'ubsan' (known: kasan, kcsan, lockdep, usercopy)"],
    [['kernel', 'build', '--debian', '7.2', '--patch', '/nonexistent.patch'], 'furc: --patch /nonexistent.patch: cannot read (ENOENT)'],
    [['kernel', 'build', '--source', '/nonexistent-tree'], 'furc: --source /nonexistent-tree: no such directory'],
    [['kernel', 'build', '--source', '/etc'], 'furc: --source /etc: not a Linux source tree (no Makefile, Kconfig and arch/x86 at its top)'],
    [['vm', '--kernel', 'x', '--debian', '7.2', '--', 'probe'], 'furc: --kernel and --source/--debian exclude each other: boot an image, or build one'],
    [['kmutants', '--debian', '7.2', '--only', 'errno-nonesuch'], 'furc: --only errno-nonesuch: no such mutant (furc kmutants --list shows them)'],
  ])('should answer %j with one line and exit 2', async (args, line) => {
    const r = await furc(args);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.startsWith(line)).toBe(true);
  });
});
