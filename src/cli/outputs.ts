// Output paths are checked before any work, so a long run cannot end in a stack trace because --out names a missing directory.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { match } from 'ts-pattern';
import { UsageError } from '../../spec/errors.js';

/** A file furc writes (a report, a log), or a directory it writes files into (fuzz findings). */
export type OutputKind = 'file' | 'dir';

const stat = (p: string): Stats | null => { try { return statSync(p); } catch { return null; } };
const unwritable = (p: string): string | null => { try { accessSync(p, constants.W_OK); return null; } catch (e) { return (e as NodeJS.ErrnoException).code ?? 'not writable'; } };

/** Throws a one-line UsageError unless `path` can be written; `under` confines it to a directory (furc vm's share). */
export function checkOutput(flag: string, path: string, kind: OutputKind, under?: string): void {
  const bad = (why: string) => new UsageError(`${flag} ${path}: ${why}`);
  const full = resolve(path);
  if (under !== undefined && !full.startsWith(resolve(under) + '/')) throw bad(`inside furc vm only the current directory (${resolve(under)}) is writable; give a path under it`);
  const st = stat(full);
  if (st) {
    match(kind)
      .with('file', () => { if (st.isDirectory()) throw bad('is a directory; give a file name'); })
      .with('dir', () => { if (!st.isDirectory()) throw bad('not a directory'); })
      .exhaustive();
    const why = unwritable(full);
    if (why) throw bad(`not writable (${why})`);
    return;
  }
  // Not there yet: furc creates it, so its parent must be a writable directory.
  const parent = dirname(full), pst = stat(parent);
  if (!pst) throw bad(`directory ${parent} does not exist`);
  if (!pst.isDirectory()) throw bad(`${parent} is not a directory`);
  const why = unwritable(parent);
  if (why) throw bad(`directory ${parent} is not writable (${why})`);
}
