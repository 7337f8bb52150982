// A patch series (git format-patch files, an mbox, or plain unified diffs) parsed and applied in memory, all or nothing.

export class PatchError extends Error {}

export interface Hunk {
  readonly header: string;
  readonly oldStart: number;
  /** The hunk's lines with their ' ', '-', '+' prefix; '\' (no newline at end of file) is folded into noEolOld/noEolNew. */
  readonly lines: readonly string[];
  readonly noEolOld: boolean;
  readonly noEolNew: boolean;
}

export interface FilePatch {
  /** Path in the tree before (null: a new file) and after (null: deleted), with the a/ b/ prefix stripped. */
  readonly oldPath: string | null;
  readonly newPath: string | null;
  readonly hunks: readonly Hunk[];
  readonly binary: boolean;
}

/** One patch of a series: one mail of an mbox, or one whole file. */
export interface Patch { readonly source: string; readonly subject: string; readonly files: readonly FilePatch[] }

const MBOX_FROM = /^From \S+ +\w{3} \w{3} +\d+ [\d:]+ \d{4}$/;
const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Strips git's a/ b/ (or any first component, like patch -p1); /dev/null means no file. */
function stripPath(raw: string): string | null {
  const p = raw.split('\t')[0]!.trim().replace(/^"(.*)"$/, '$1');
  if (p === '/dev/null') return null;
  const i = p.indexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function parseOne(lines: readonly string[], source: string): Patch {
  const subj = lines.find((l) => l.startsWith('Subject: '));
  const subject = subj ? subj.slice('Subject: '.length).trim() : source;
  const files: FilePatch[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (!l.startsWith('diff --git ') && !(l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) { i++; continue; }
    let oldPath: string | null | undefined, newPath: string | null | undefined, binary = false;
    if (l.startsWith('diff --git ')) {
      const m = /^diff --git (\S+) (\S+)$/.exec(l);
      if (m) { oldPath = stripPath(m[1]!); newPath = stripPath(m[2]!); }
      i++;
      for (; i < lines.length && !lines[i]!.startsWith('--- ') && !lines[i]!.startsWith('diff --git '); i++) {
        const h = lines[i]!;
        if (h.startsWith('new file mode')) oldPath = null;
        else if (h.startsWith('deleted file mode')) newPath = null;
        else if (h.startsWith('rename from ')) oldPath = h.slice('rename from '.length);
        else if (h.startsWith('rename to ')) newPath = h.slice('rename to '.length);
        else if (h.startsWith('Binary files ') || h === 'GIT binary patch') binary = true;
        else if (HUNK.test(h) || h === '-- ') break;
      }
    }
    if (lines[i]?.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      oldPath = stripPath(lines[i]!.slice(4));
      newPath = stripPath(lines[i + 1]!.slice(4));
      i += 2;
    }
    const hunks: Hunk[] = [];
    for (;;) {
      const m = HUNK.exec(lines[i] ?? '');
      if (!m) break;
      const header = lines[i]!.replace(/^(@@[^@]*@@).*$/, '$1');
      let oldLeft = m[2] === undefined ? 1 : Number(m[2]), newLeft = m[4] === undefined ? 1 : Number(m[4]);
      const body: string[] = [];
      let noEolOld = false, noEolNew = false;
      i++;
      while (i < lines.length && (oldLeft > 0 || newLeft > 0 || lines[i]!.startsWith('\\'))) {
        const h = lines[i]!;
        const c = h[0] ?? ' ';
        if (c === '\\') {
          const prev = body[body.length - 1]?.[0];
          if (prev === '-' ) noEolOld = true; else if (prev === '+') noEolNew = true; else { noEolOld = true; noEolNew = true; }
        } else if (c === ' ' || h === '') { body.push(h === '' ? ' ' : h); oldLeft--; newLeft--; }
        else if (c === '-') { body.push(h); oldLeft--; }
        else if (c === '+') { body.push(h); newLeft--; }
        else break;
        i++;
      }
      if (oldLeft > 0 || newLeft > 0) throw new PatchError(`${source}: "${subject}": hunk ${header} of ${newPath ?? oldPath} is truncated (the patch file is cut short or was mangled by a mailer)`);
      hunks.push({ header, oldStart: Number(m[1]), lines: body, noEolOld, noEolNew });
    }
    if (oldPath === undefined || newPath === undefined) throw new PatchError(`${source}: "${subject}": a diff header without file names near line ${i + 1}`);
    files.push({ oldPath, newPath, hunks, binary });
  }
  return { source, subject, files };
}

/** A file as one patch (a format-patch file or a plain diff) or, if it is an mbox, one patch per mail. */
export function parsePatchFile(text: string, source: string): Patch[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const starts = lines.flatMap((l, i) => (MBOX_FROM.test(l) ? [i] : []));
  const parts = starts.length <= 1 ? [lines] : starts.map((s, k) => lines.slice(s, starts[k + 1] ?? lines.length));
  const patches = parts.map((p, k) => parseOne(p, parts.length > 1 ? `${source} (mail ${k + 1}/${parts.length})` : source));
  const empty = patches.find((p) => p.files.length === 0);
  if (empty) throw new PatchError(`${empty.source}: "${empty.subject}": no diff in it`);
  return patches;
}

interface Text { lines: string[]; eol: boolean }
const split = (s: string): Text => {
  const eol = s.endsWith('\n');
  const lines = (eol ? s.slice(0, -1) : s).split('\n');
  return { lines: s === '' ? [] : lines, eol: s === '' ? true : eol };
};
const join = (t: Text) => (t.lines.length === 0 ? '' : t.lines.join('\n') + (t.eol ? '\n' : ''));

/** Where the hunk's old lines sit: the stated line first, then ever further away on either side (offset, never fuzz). */
function locate(file: readonly string[], old: readonly string[], at: number): number {
  const fits = (p: number) => p >= 0 && p + old.length <= file.length && old.every((l, k) => file[p + k] === l);
  for (let d = 0; d <= file.length; d++) {
    if (fits(at - d)) return at - d;
    if (d > 0 && fits(at + d)) return at + d;
  }
  return -1;
}

function applyHunks(t: Text, fp: FilePatch, what: (h: Hunk, k: number) => string): Text {
  const lines = [...t.lines];
  let eol = t.eol, shift = 0;
  fp.hunks.forEach((h, k) => {
    const old = h.lines.filter((l) => l[0] !== '+').map((l) => l.slice(1));
    const neu = h.lines.filter((l) => l[0] !== '-').map((l) => l.slice(1));
    const start = old.length === 0 ? Math.min(lines.length, h.oldStart + shift) : h.oldStart - 1 + shift;
    const at = old.length === 0 ? start : locate(lines, old, start);
    if (at < 0) throw new PatchError(`${what(h, k)} does not apply`);
    lines.splice(at, old.length, ...neu);
    shift = at - (h.oldStart - 1) + neu.length - old.length;
    if (at + neu.length === lines.length) eol = !h.noEolNew;
  });
  return { lines, eol };
}

/** Final contents of every file the series touches (null: deleted), read through `read`; throws at the first problem. */
export function applySeries(patches: readonly Patch[], read: (path: string) => string | null): Map<string, string | null> {
  const now = new Map<string, string | null>();
  const get = (p: string) => (now.has(p) ? now.get(p)! : read(p));
  patches.forEach((patch, n) => {
    const tag = `${patch.source}: patch ${n + 1}/${patches.length} "${patch.subject}"`;
    for (const fp of patch.files) {
      const path = fp.newPath ?? fp.oldPath!;
      if (fp.binary) throw new PatchError(`${tag}: ${path} is a binary patch, which furc does not apply`);
      const before = fp.oldPath === null ? null : get(fp.oldPath);
      if (fp.oldPath !== null && before === null) throw new PatchError(`${tag}: ${fp.oldPath} does not exist in the tree`);
      if (fp.oldPath === null && get(path) !== null) throw new PatchError(`${tag}: creates ${path}, which already exists`);
      const what = (h: Hunk, k: number) => `${tag}: hunk #${k + 1} ${h.header} of ${path}`;
      const after = applyHunks(split(before ?? ''), fp, what);
      if (fp.oldPath !== null && fp.newPath !== fp.oldPath) now.set(fp.oldPath, null);
      if (fp.newPath !== null) now.set(fp.newPath, join(after));
    }
  });
  return now;
}
