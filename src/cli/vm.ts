// `furc vm --kernel IMAGE [--modules DIR] … -- <furc arguments>`: the suite (or probe, fuzz) inside a QEMU guest of that kernel.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImageError } from '../vm/image.js';
import { ModulesError } from '../vm/modules.js';
import { VmError } from '../vm/tools.js';
import { runVm, type VmResult } from '../vm/vm.js';
import type { Io } from './main.js';
import { UsageError } from '../../spec/errors.js';

export const VM_USAGE = 'furc vm --kernel IMAGE [--modules DIR] [--timeout S] [--mem MIB] [--accel auto|kvm|tcg] [--log FILE] [--guest-setup CMD] [--time-scale N] [--verbose] -- <furc arguments>';
/** Exit status when the guest could not run furc (no boot, panic, hang, missing piece). */
export const VM_FAILED = 3;

function parse(args: string[]) {
  const dd = args.indexOf('--');
  if (dd < 0 || dd === args.length - 1) throw new UsageError(`furc vm needs the furc arguments to run inside after '--' (usage: ${VM_USAGE})`);
  const own = args.slice(0, dd), furcArgs = args.slice(dd + 1);
  if (furcArgs[0] === 'vm') throw new UsageError('furc vm cannot run furc vm inside the guest');
  // The guest writes only through the current directory's share: an output path elsewhere would vanish with the guest.
  const cwd = resolve(process.cwd());
  furcArgs.forEach((a, i) => {
    const v = furcArgs[i + 1];
    if ((a === '--out' || a === '--report') && v && !resolve(cwd, v).startsWith(cwd + '/')) {
      throw new UsageError(`${a} ${v}: inside furc vm only the current directory (${cwd}) is writable; give a path under it`);
    }
  });
  const o: Record<string, string> = {};
  let verbose = false;
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    if (a === '--verbose') { verbose = true; continue; }
    if (!['--kernel', '--modules', '--timeout', '--mem', '--accel', '--log', '--guest-setup', '--time-scale'].includes(a)) throw new UsageError(`unknown argument '${a}' (usage: ${VM_USAGE})`);
    const v = own[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
    o[a.slice(2)] = v;
  }
  if (!o.kernel) throw new UsageError(`--kernel IMAGE is required (usage: ${VM_USAGE})`);
  const num = (k: string, dflt: number, min: number, max: number) => {
    if (o[k] === undefined) return dflt;
    const n = Number(o[k]);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} ${o[k]}: want an integer in ${min}..${max}`);
    return n;
  };
  const accel = o.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new UsageError(`--accel ${accel}: want auto, kvm or tcg`);
  return { kernel: o.kernel, modules: o.modules, timeoutS: num('timeout', 600, 10, 86_400), memM: num('mem', 1024, 256, 65_536), accel, log: o.log ?? 'furc-vm.log', setup: o['guest-setup'], timeScale: o['time-scale'] === undefined ? undefined : num('time-scale', 1, 1, 100), verbose, furcArgs } as const;
}

const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function logText(r: VmResult, argv: readonly string[]): string {
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

export async function vmCommand(args: string[], io: Io): Promise<number> {
  const o = parse(args);
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
