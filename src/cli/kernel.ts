// `furc kernel build`: a kernel image from a source tree (or Debian's linux-source package) and a patch series, printed as a path.
import { readFileSync } from 'node:fs';
import { UsageError } from '../../spec/errors.js';
import { BuildFailure, BuildInputError, buildImage, resolveBase, type Built, type PatchInput, type SourceSpec } from '../kbuild/build.js';
import { DEBUG_KINDS, type DebugKind } from '../kbuild/fragments.js';
import { parse } from './args.js';
import { KERNEL_BUILD } from './commands.js';
import type { Io } from './main.js';

/** Exit status when the compiler or linker failed (bad input is 2, as everywhere in furc). */
export const BUILD_FAILED = 1;

export interface BuildArgs { readonly source: SourceSpec; readonly patches: readonly PatchInput[]; readonly debug: readonly DebugKind[]; readonly jobs: number }

/** Checks the build options furc kernel build, vm and kmutants share, and reads the patch files, before any work. */
export function buildArgs(v: { source?: string | undefined; debian?: string | undefined; patch: readonly string[]; debug: readonly string[]; jobs?: number | undefined }): BuildArgs {
  if ((v.source === undefined) === (v.debian === undefined)) throw new UsageError('give exactly one of --source DIR and --debian SERIES');
  const debug = v.debug.flatMap((d) => d.split(',')).map((d) => {
    if (!(DEBUG_KINDS as readonly string[]).includes(d)) throw new UsageError(`unknown debug '${d}' (known: ${DEBUG_KINDS.join(', ')})`);
    return d as DebugKind;
  });
  if (debug.includes('kasan') && debug.includes('kcsan')) throw new UsageError('--debug kasan and kcsan exclude each other (KCSAN depends on !KASAN)');
  const patches = v.patch.map((f) => {
    try { return { name: f, text: readFileSync(f, 'utf8') }; } catch (e) { throw new UsageError(`--patch ${f}: cannot read (${(e as NodeJS.ErrnoException).code})`); }
  });
  const source: SourceSpec = v.source !== undefined ? { kind: 'dir', path: v.source } : { kind: 'debian', series: v.debian! };
  return { source, patches, debug: [...new Set(debug)], jobs: v.jobs ?? 2 };
}

/** Builds, saying what happens on stderr; input problems become UsageError (exit 2), a compile error stays BuildFailure. */
export async function buildFromArgs(a: BuildArgs, io: Io, verbose: boolean): Promise<Built> {
  const say = (s: string) => io.err(`furc kernel build: ${s}`);
  try {
    const base = await resolveBase(a.source, say);
    const b = await buildImage(base, { patches: a.patches, debug: a.debug, jobs: a.jobs, say, ...(verbose ? { onLine: (l: string) => io.err(`| ${l}`) } : {}) });
    say(b.cached ? `${b.release}: the same inputs were built before (${b.seconds.toFixed(1)} s)` : `${b.release} built in ${b.seconds.toFixed(0)} s`);
    return b;
  } catch (e) {
    if (e instanceof BuildInputError) throw new UsageError(e.message);
    throw e;
  }
}

export async function kernelBuildCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: v } = parse(KERNEL_BUILD, args);
  const a = buildArgs(v);
  try {
    const b = await buildFromArgs(a, io, v.verbose);
    io.out(v.json ? JSON.stringify(b, null, 2) : b.image);
    return 0;
  } catch (e) {
    if (e instanceof BuildFailure) { io.err(`furc kernel build: compile error: ${e.message}`); return BUILD_FAILED; }
    throw e;
  }
}
