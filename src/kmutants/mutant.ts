// A mutant as a unified diff against the tree's own text, or why it cannot be applied there (SKIP).
import type { KMutant } from './list.js';

const CONTEXT = 3;

export type Rendered = { readonly kind: 'patch'; readonly patch: string } | { readonly kind: 'skip'; readonly why: string };

const count = (hay: string, needle: string) => {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++;
  return n;
};
const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '')!.trim();

/** The mutant's edits as one diff of `file`, each edit a hunk with three lines of context; `text` is the file's current content. */
export function renderMutant(m: KMutant, text: string | null): Rendered {
  if (text === null) return { kind: 'skip', why: `context gone: the tree has no ${m.file}` };
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const offsetToLine = (off: number) => text.slice(0, off).split('\n').length - 1;
  const spans = m.edits.map((e) => {
    const n = count(text, e.before);
    if (n !== 1) return { bad: n === 0 ? `context gone: ${m.file} no longer contains '${firstLine(e.before)}'` : `context ambiguous: '${firstLine(e.before)}' occurs ${n} times in ${m.file}` };
    const at = text.indexOf(e.before);
    if ((at > 0 && text[at - 1] !== '\n') || (text[at + e.before.length] ?? '\n') !== '\n') return { bad: `edit of ${m.file} at '${firstLine(e.before)}' does not cover whole lines` };
    // Whole lines in, whole lines out: a removal ends with its newline, and so does a replacement of lines that did.
    if (e.before.endsWith('\n') !== (e.after === '' || e.after.endsWith('\n'))) return { bad: `edit of ${m.file} at '${firstLine(e.before)}' mixes whole-line and in-line text` };
    const from = offsetToLine(at);
    const cut = (s: string) => s.replace(/\n$/, '').split('\n');
    return { from, to: from + cut(e.before).length, neu: e.after === '' ? [] : cut(e.after) };
  });
  const bad = spans.find((s) => 'bad' in s);
  if (bad && 'bad' in bad) return { kind: 'skip', why: bad.bad! };
  const ok = (spans as { from: number; to: number; neu: string[] }[]).slice().sort((a, b) => a.from - b.from);
  if (ok.some((s, i) => i > 0 && s.from < ok[i - 1]!.to)) return { kind: 'skip', why: `edits of ${m.id} overlap in ${m.file}` };
  // Edits whose context would touch are one hunk.
  const groups: (typeof ok)[] = [];
  for (const s of ok) {
    const g = groups[groups.length - 1];
    if (g && s.from - g[g.length - 1]!.to <= 2 * CONTEXT) g.push(s); else groups.push([s]);
  }
  let shift = 0;
  const hunks = groups.map((g) => {
    const start = Math.max(0, g[0]!.from - CONTEXT), end = Math.min(lines.length, g[g.length - 1]!.to + CONTEXT);
    const body: string[] = [];
    let at = start, oldLen = 0, newLen = 0;
    for (const s of g) {
      for (; at < s.from; at++, oldLen++, newLen++) body.push(` ${lines[at]}`);
      for (; at < s.to; at++, oldLen++) body.push(`-${lines[at]}`);
      for (const l of s.neu) { body.push(`+${l}`); newLen++; }
    }
    for (; at < end; at++, oldLen++, newLen++) body.push(` ${lines[at]}`);
    const h = `@@ -${start + 1},${oldLen} +${start + 1 + shift},${newLen} @@\n${body.join('\n')}\n`;
    shift += newLen - oldLen;
    return h;
  });
  return { kind: 'patch', patch: `Subject: [PATCH] kmutant ${m.id}: ${m.reason}\n\n--- a/${m.file}\n+++ b/${m.file}\n${hunks.join('')}` };
}
