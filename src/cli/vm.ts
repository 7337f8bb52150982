// `furc vm --kernel IMAGE [--modules DIR] … -- <furc arguments>`: the suite (or probe, fuzz) inside a QEMU guest of that kernel.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImageError } from '../vm/image.js';
import { ModulesError } from '../vm/modules.js';
import { VmError } from '../vm/tools.js';
import { IN_SEA } from '../sea/sea.js';
import { defaultBinary } from '../vm/standalone.js';
import { runVm, type VmResult } from '../vm/vm.js';
import type { Io } from './main.js';
import { UsageError } from '../../spec/errors.js';
import { parse, usageLine, type Parsed } from './args.js';
import { commandOf, RUN, VM } from './commands.js';
import { reportOptions } from './run.js';
import { BuildFailure } from '../kbuild/build.js';
import { buildArgs, buildFromArgs } from './kernel.js';

/** Exit status when the guest could not run furc (no boot, panic, hang, missing piece). */
export const VM_FAILED = 3;

function parseVm(args: readonly string[]) {
  const dd = args.indexOf('--');
  if (dd < 0 || dd === args.length - 1) throw new UsageError(`furc vm needs the furc arguments to run inside after '--' (usage: ${usageLine(VM)})`);
  const { values: o } = parse(VM, args.slice(0, dd));
  if (o.binary !== undefined && !o.standalone) throw new UsageError('--binary FILE goes with --standalone (the packed executable to boot)');
  // The 9p guest runs this checkout's dist/ with the host's node; the packed executable has neither.
  if (IN_SEA && !o.standalone) throw new UsageError('the packed executable boots only furc vm --standalone (which boots itself)');
  const furcArgs = args.slice(dd + 1);
  if (furcArgs[0] === 'vm') throw new UsageError('furc vm cannot run furc vm inside the guest');
  const inner = commandOf(furcArgs);
  if (!inner) throw new UsageError(`unknown command '${furcArgs[0]}' to run inside furc vm (try: furc --help)`);
  // Read here, before booting: the guest writes only through the current directory's share, so its outputs must lie under it.
  const innerArgs = parse(inner.cmd, inner.args, process.cwd());
  if (inner.cmd === RUN) reportOptions(innerArgs.values as Parsed<typeof RUN>['values']);
  // --source/--debian build the image first (furc kernel build); their options are checked like that command's.
  const wantsBuild = o.source !== undefined || o.debian !== undefined;
  if (o.kernel !== undefined && wantsBuild) throw new UsageError('--kernel and --source/--debian exclude each other: boot an image, or build one');
  if (!wantsBuild && (o.patch.length || o.debug.length)) throw new UsageError('--patch and --debug need --source DIR or --debian SERIES');
  if (o.kernel === undefined && !wantsBuild) throw new UsageError('--kernel IMAGE is required (or --source DIR or --debian SERIES, to build one)');
  const build = wantsBuild ? buildArgs(o) : null;
  return { kernel: o.kernel ?? '', build, modules: o.modules, timeoutS: o.timeout ?? 600, memM: o.mem ?? 1024, accel: o.accel ?? 'auto', log: o.log,
    setup: o['guest-setup'], timeScale: o['time-scale'], verbose: o.verbose, furcArgs, ...(o.standalone ? { standalone: resolve(o.binary ?? defaultBinary()) } : {}) };
}

const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function logText(r: VmResult, argv: readonly string[]): string {
  return [
    `# furc vm ${argv.join(' ')}`,
    `# kernel ${r.image.version ?? r.image.release ?? '(unknown)'} (${r.image.format}), ${r.accel.toUpperCase()}, init after ${secs(r.run.bootMs)}, total ${secs(r.run.ms)}`,
    `# outcome: ${r.failure ?? `furc exited ${r.status}`}`,
    ...r.splats.map((s) => `# splat: ${s.line}${s.during ? ` (during case ${s.during})` : ''}`),
    '# ---- serial console ----', r.run.console.replace(/\r/g, ''),
    '# ---- guest dmesg after furc ----', r.dmesg,
    '# ---- qemu stderr ----', r.run.stderr,
  ].join('\n');
}

export async function vmCommand(args: readonly string[], io: Io): Promise<number> {
  const o = parseVm(args);
  if (o.build) {
    try { o.kernel = (await buildFromArgs(o.build, io, o.verbose)).image; } catch (e) {
      if (e instanceof BuildFailure) { io.err(`furc vm: compile error: ${e.message}`); return VM_FAILED; }
      throw e;
    }
  }
  try {
    const r = await runVm({ ...o, cwd: process.cwd(), note: io.err, onLine: o.verbose ? (l) => io.err(`| ${l}`) : undefined });
    writeFileSync(o.log, logText(r, args));
    if (r.stdout) io.out(r.stdout.replace(/\n$/, ''));
    if (r.stderr) io.err(r.stderr.replace(/\n$/, ''));
    for (const s of r.splats) io.err(`furc vm: kernel log: ${s.line}${s.during ? ` (during case ${s.during})` : ''}`);
    const what = `${r.image.release ?? o.kernel} under ${r.accel.toUpperCase()}: init after ${secs(r.run.bootMs)}, ${r.failure ? 'stopped' : `furc exited ${r.status}`} after ${secs(r.run.ms)}; guest log in ${o.log}`;
    if (r.failure) { io.err(`furc vm: ${r.failure}`); io.err(`furc vm: ${what}`); return VM_FAILED; }
    io.err(`furc vm: ${what}`);
    return r.status ?? VM_FAILED;
  } catch (e) {
    if (e instanceof VmError || e instanceof ImageError || e instanceof ModulesError) { io.err(`furc vm: ${e.message}`); return VM_FAILED; }
    throw e;
  }
}
