// The repository's own import graph, read from the sources: which modules a module reaches through relative imports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Relative imports of one file: the imported file (repo-relative) and whether the import is erased at run time. */
export function importsOf(file: string): { to: string; typeOnly: boolean }[] {
  const abs = resolve(ROOT, file);
  const text = readFileSync(abs, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)].flatMap((m) => {
    const to = resolve(dirname(abs), m[2]!.replace(/\.js$/, '.ts'));
    return existsSync(to) ? [{ to: relative(ROOT, to), typeOnly: m[1] !== undefined }] : [];
  });
}

/** The non-test .ts files under a repo-relative directory. */
export const sourcesUnder = (dir: string): string[] =>
  readdirSync(resolve(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => `${dir}/${f}`);

/** Every module `starts` reach, with the first path found to each (`runtimeOnly`: through imports kept at run time). */
export function reach(starts: readonly string[], runtimeOnly: boolean): Map<string, string[]> {
  const paths = new Map<string, string[]>(starts.map((s) => [s, [s]]));
  const todo = [...starts];
  while (todo.length > 0) {
    const f = todo.pop()!;
    for (const i of importsOf(f)) {
      if ((runtimeOnly && i.typeOnly) || paths.has(i.to)) continue;
      paths.set(i.to, [...paths.get(f)!, i.to]);
      todo.push(i.to);
    }
  }
  return paths;
}
