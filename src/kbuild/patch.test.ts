import { describe, expect, it } from 'vitest';
import { applySeries, parsePatchFile, PatchError } from './patch.js';

const DEV = ['int a;', 'int b;', 'static int f(void)', '{', '\treturn -EINVAL;', '}', 'int c;', 'int d;', ''].join('\n');
const tree = (files: Record<string, string>) => (p: string) => files[p] ?? null;

const FORMAT_PATCH = `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
From: A Developer <a@example.org>
Date: Mon, 1 Jun 2026 10:00:00 +0000
Subject: [PATCH 1/2] fuse: return EOPNOTSUPP from f

A body line.
---
 fs/fuse/dev_uring.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/fs/fuse/dev_uring.c b/fs/fuse/dev_uring.c
index 1111111..2222222 100644
--- a/fs/fuse/dev_uring.c
+++ b/fs/fuse/dev_uring.c
@@ -3,4 +3,4 @@ int b;
 static int f(void)
 {
-\treturn -EINVAL;
+\treturn -EOPNOTSUPP;
 }
-- 
2.43.0

`;
const SECOND = `From 89abcdef0123456789abcdef0123456789abcdef Mon Sep 17 00:00:00 2001
From: A Developer <a@example.org>
Subject: [PATCH 2/2] fuse: add a file, drop int d

---
diff --git a/fs/fuse/new.c b/fs/fuse/new.c
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/fs/fuse/new.c
@@ -0,0 +1,2 @@
+// new
+int e;
diff --git a/fs/fuse/dev_uring.c b/fs/fuse/dev_uring.c
--- a/fs/fuse/dev_uring.c
+++ b/fs/fuse/dev_uring.c
@@ -7,2 +7,1 @@
 int c;
-int d;
-- 
2.43.0
`;

describe('patch series', () => {
  it('should apply a format-patch file and a second one that adds fs/fuse/new.c and drops "int d;"', () => {
    const series = [...parsePatchFile(FORMAT_PATCH, '0001.patch'), ...parsePatchFile(SECOND, '0002.patch')];
    expect(series.map((p) => p.subject)).toEqual(['[PATCH 1/2] fuse: return EOPNOTSUPP from f', '[PATCH 2/2] fuse: add a file, drop int d']);
    const out = applySeries(series, tree({ 'fs/fuse/dev_uring.c': DEV }));
    expect(out.get('fs/fuse/dev_uring.c')).toBe(DEV.replace('-EINVAL', '-EOPNOTSUPP').replace('int d;\n', ''));
    expect(out.get('fs/fuse/new.c')).toBe('// new\nint e;\n');
  });

  it('should read both patches of an mbox holding the two mails, in order', () => {
    const series = parsePatchFile(FORMAT_PATCH + SECOND, 'series.mbox');
    expect(series.map((p) => p.source)).toEqual(['series.mbox (mail 1/2)', 'series.mbox (mail 2/2)']);
    expect(series[1]!.files.map((f) => [f.oldPath, f.newPath])).toEqual([[null, 'fs/fuse/new.c'], ['fs/fuse/dev_uring.c', 'fs/fuse/dev_uring.c']]);
  });

  it('should find a hunk stated at line 3 when two lines were inserted above it (offset, no fuzz)', () => {
    const moved = `/* x */\n/* y */\n${DEV}`;
    const out = applySeries(parsePatchFile(FORMAT_PATCH, 'p'), tree({ 'fs/fuse/dev_uring.c': moved }));
    expect(out.get('fs/fuse/dev_uring.c')).toBe(moved.replace('-EINVAL', '-EOPNOTSUPP'));
  });

  it('should name the patch file, the patch, the hunk and the path when the context "return -EINVAL;" is gone', () => {
    const changed = DEV.replace('-EINVAL', '-ENOENT');
    expect(() => applySeries(parsePatchFile(FORMAT_PATCH, 'fix.patch'), tree({ 'fs/fuse/dev_uring.c': changed })))
      .toThrow(new PatchError('fix.patch: patch 1/1 "[PATCH 1/2] fuse: return EOPNOTSUPP from f": hunk #1 @@ -3,4 +3,4 @@ of fs/fuse/dev_uring.c does not apply'));
  });

  it('should refuse a patch to fs/fuse/dev_uring.c when the tree has no such file', () => {
    expect(() => applySeries(parsePatchFile(FORMAT_PATCH, 'fix.patch'), tree({}))).toThrow(/fix\.patch: patch 1\/1 .*: fs\/fuse\/dev_uring\.c does not exist in the tree$/);
  });

  it('should say a hunk is truncated when the file ends two lines early', () => {
    const cut = FORMAT_PATCH.slice(0, FORMAT_PATCH.indexOf('+\treturn -EOPNOTSUPP;'));
    expect(() => parsePatchFile(cut, 'cut.patch')).toThrow(/cut\.patch: .*hunk @@ -3,4 \+3,4 @@ of fs\/fuse\/dev_uring\.c is truncated/);
  });

  it('should keep a missing newline at the end of the file when the hunk says so', () => {
    const diff = '--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n';
    expect(applySeries(parsePatchFile(diff, 'p'), tree({ 'x.c': 'a\nb' })).get('x.c')).toBe('a\nc');
  });

  it('should refuse a file with no diff in it', () => {
    expect(() => parsePatchFile('Subject: [PATCH] only words\n\nno diff here\n', 'words.patch')).toThrow(new PatchError('words.patch: "[PATCH] only words": no diff in it'));
  });
});
