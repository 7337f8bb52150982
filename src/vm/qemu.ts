// qemu-system-x86_64 for one guest: its arguments, and a bounded run that watches the serial console as it boots.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { MARK, type Share } from './init.js';

export type Accel = 'kvm' | 'tcg';

export interface QemuPlan {
  readonly qemu: string;
  readonly setpriv: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly shares: readonly Share[];
  readonly mem: number;
  readonly smp: number;
  readonly accel: Accel;
  readonly console: string;
  /** A second serial port (ttyS1) written to this file: the standalone guest's results. */
  readonly results?: string;
  readonly append: string;
}

/**
 * The CPU a TCG guest sees: QEMU's `max` without three features that only cost under emulation. TCG carries out
 * `rep stosb`/`rep movsb` one byte at a time, and ERMS (or FSRM) makes the guest's kernel and glibc use them to clear
 * pages, memset and memcpy: in a 7.3.4 guest a memset of 8 MiB took 10.8–12.3 ms with ERMS and 0.8–1.2 ms without,
 * faulting in 8 MiB of zeroed huge pages 12.4–14.0 ms and 2.3–5.4 ms (an arena's IORING_REGISTER_BUFFERS does that).
 * LA57 adds a fifth level to every guest page-table walk TCG makes on a TLB miss: a pipe round trip between two
 * processes took 96–101 µs with it, 74–76 µs without. Neither changes what the guest's FUSE code does.
 */
export const TCG_CPU = 'max,erms=off,fsrm=off,la57=off';

/** The kernel command line: serial console, reboot (so qemu exits) on panic, and the FUSE-over-io_uring switch. */
export const APPEND = 'console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 panic=-1 fuse.enable_uring=1 printk.devkmsg=on rdinit=/init';
/**
 * Under TCG nothing runs speculatively: the guest's speculation mitigations (retpolines, RSB filling) are pure cost there
 * (R8 fuzz on 7.3.4, jobs 2: 13.6 and 12.0 cases/s with them, 14.4 and 15.0 without). tsc=reliable: the guest's clock
 * watchdog, timing TSC against an emulated HPET whose reads come late under load, marked the TSC unstable in 1 of 26
 * boots here, and the guest then read every clock from the HPET, an emulated device (R8 fuzz on 7.3.4, jobs 2, seed 750:
 * 16.1 cases/s with clocksource=hpet, 19.1 with tsc=reliable in the run after). QEMU derives every vCPU's TSC from one
 * host clock.
 */
export const TCG_APPEND = 'mitigations=off tsc=reliable';
/**
 * Node's flags for furc in a TCG guest (its workers get them too), handed to /init as FURC_NODE_FLAGS on the command
 * line. QEMU translates the code V8 compiles at run time, and again when V8 writes near it: R8 fuzz on 7.3.4, one job,
 * 90 s: 11.3 cases/s with the JIT, 14.6 with --jitless. --no-expose-wasm, which --jitless implies, stops V8 warning that it
 * disabled it. Not for --standalone: a packed executable takes no node flags.
 */
export const TCG_NODE_FLAGS = '--jitless --no-expose-wasm';

/** The guest kernel's command line: what every guest gets, what emulation adds, and furc's time scale for /init (a quoted value reaches it unquoted). */
export function commandLine(accel: Accel, o: { readonly standalone: boolean; readonly timeScale: number }): string {
  const tcg = accel === 'tcg' ? [TCG_APPEND, ...(o.standalone ? [] : [`FURC_NODE_FLAGS="${TCG_NODE_FLAGS}"`])] : [];
  return [APPEND, ...tcg, `FURC_TIME_SCALE=${o.timeScale}`].join(' ');
}

export function qemuArgs(p: QemuPlan): string[] {
  return [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    ...(p.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', TCG_CPU]),
    '-m', String(p.mem), '-smp', String(p.smp),
    '-kernel', p.kernel, '-initrd', p.initrd, '-append', p.append,
    '-serial', `file:${p.console}`, ...(p.results ? ['-serial', `file:${p.results}`] : []),
    ...p.shares.flatMap((s) => ['-virtfs', `local,path=${s.hostPath},mount_tag=${s.tag},security_model=none,multidevs=remap${s.readonly ? ',readonly=on' : ''}`]),
  ];
}

/** How a run ended, read off qemu's exit and the console. */
export type QemuEnd =
  | { readonly kind: 'done' }
  | { readonly kind: 'fatal'; readonly reason: string }
  | { readonly kind: 'qemu-error'; readonly reason: string }
  | { readonly kind: 'silent'; readonly afterMs: number }
  | { readonly kind: 'no-boot'; readonly afterMs: number; readonly lastLine: string }
  | { readonly kind: 'timeout'; readonly afterMs: number; readonly lastLine: string };

export interface QemuRun { readonly end: QemuEnd; readonly console: string; readonly stderr: string; readonly bootMs: number | null; readonly ms: number }

/** The console's last non-empty line, trimmed ('' when there is none). */
export const lastLine = (text: string) => text.trimEnd().split('\n').pop()?.trim() ?? '';
const PANIC = /Kernel panic - not syncing: (.*)/;
const HALTED = /-- System halted/;

/** The console's text up to its last newline: a line still arriving is not judged (a FATAL line cut mid-sentence). */
const completeLines = (text: string): string => text.slice(0, text.lastIndexOf('\n') + 1);

/**
 * What the console says went wrong, or null. `arriving`: the console is still being written, so a FATAL or panic line
 * counts only once its newline is there; the decompressor's "-- System halted" is its last word, newline or not.
 */
export function consoleVerdict(text: string, arriving = false): string | null {
  const lines = arriving ? completeLines(text) : text;
  const fatal = lines.split('\n').find((l) => l.startsWith(MARK.fatal));
  if (fatal) return fatal.slice(MARK.fatal.length).trim();
  if (HALTED.test(text)) {
    // The decompressor prints its error, then " -- System halted", and stops.
    const before = text.slice(0, text.indexOf('-- System halted')).split('\n').map((l) => l.trim()).filter(Boolean).pop();
    return `the kernel image did not decompress: ${before ?? 'System halted'} (corrupted or truncated image?)`;
  }
  const panic = PANIC.exec(lines);
  if (panic) return `kernel panic: ${panic[1]!.trim()}`;
  return null;
}

/**
 * Runs qemu until the guest reboots, the console reports a fatal error, it stays silent for silentMs,
 * or timeoutMs passes; qemu dies with this process (setpriv --pdeathsig) and is killed on every other way out.
 */
export async function runQemu(p: QemuPlan, opts: { timeoutMs: number; silentMs: number; bootByMs?: number; onLine?: (l: string) => void }): Promise<QemuRun> {
  const t0 = Date.now();
  const child = spawn(p.setpriv, ['--pdeathsig', 'SIGKILL', '--', p.qemu, ...qemuArgs(p)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => { stderr += `cannot start ${p.setpriv}: ${e.message}\n`; resolve(127); });
    child.on('close', (code) => resolve(code));
  });
  let seen = 0, bootMs: number | null = null, text = '';
  const readConsole = () => {
    if (!existsSync(p.console)) return;
    text = readFileSync(p.console, 'latin1');
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
    for (; seen < lines.length; seen++) {
      const l = lines[seen]!.replace(/\r$/, '');
      if (bootMs === null && l.startsWith(`${MARK.stage}booted`)) bootMs = Date.now() - t0;
      opts.onLine?.(l);
    }
  };
  let end: QemuEnd | null = null;
  const timer = setInterval(() => {
    readConsole();
    const ms = Date.now() - t0;
    const bad = consoleVerdict(text, true);
    if (bad) end ??= { kind: 'fatal', reason: bad };
    else if (text.length === 0 && ms > opts.silentMs) end ??= { kind: 'silent', afterMs: ms };
    else if (bootMs === null && opts.bootByMs !== undefined && ms > opts.bootByMs) end ??= { kind: 'no-boot', afterMs: ms, lastLine: lastLine(text) };
    else if (ms > opts.timeoutMs) end ??= { kind: 'timeout', afterMs: ms, lastLine: lastLine(text) };
    if (end) child.kill('SIGKILL');
  }, 100);
  try {
    const code = await exited;
    readConsole();
    const bad = consoleVerdict(text);
    if (!end) {
      if (bad) end = { kind: 'fatal', reason: bad };
      else if (text.includes(MARK.done)) end = { kind: 'done' };
      else if (code !== 0) end = { kind: 'qemu-error', reason: stderr.trim().split('\n').filter(Boolean).pop() ?? `qemu exited with status ${code}` };
      else end = { kind: 'fatal', reason: `the guest stopped before furc finished; last console line: ${lastLine(text) || '(none)'}` };
    }
    return { end, console: text, stderr, bootMs, ms: Date.now() - t0 };
  } finally {
    clearInterval(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
