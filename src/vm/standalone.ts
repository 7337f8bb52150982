// furc vm --standalone: the packed executable on an initramfs root (busybox, the executable, its shared libraries); no 9p, no Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { ROOT } from '../paths.js';
import { IN_SEA } from '../sea/sea.js';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { standaloneInitScript, type StandalonePlan } from './standaloneInit.js';
import { VmError } from './tools.js';

export const GUEST_BINARY = '/opt/furc/furc';
/** Without 9p the guest needs FUSE alone; results go out on the 8250 serial port, which every x86 distribution kernel builds in. */
export const STANDALONE_MODULES = ['fuse'] as const;

/** The executable `npm run package` writes, or this one when furc itself is the packed executable. */
export function defaultBinary(): string {
  if (IN_SEA) return process.execPath;
  const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
  return `${ROOT}dist/furc-${version}-${process.arch === 'x64' ? 'x86_64' : process.arch}`;
}

/** The ELF interpreter and libraries the dynamic loader resolves for `file` here (ldd), by absolute path. */
export function sharedLibraries(file: string): string[] {
  let text: string;
  try { text = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) {
    throw new VmError(`ldd ${file} failed (${(e as Error).message.split('\n')[0]}): the standalone guest needs the executable's shared libraries`);
  }
  const missing = text.split('\n').filter((l) => l.includes('=> not found'));
  if (missing.length) throw new VmError(`${file} needs libraries this machine lacks: ${missing.map((l) => l.trim().split(' ')[0]).join(', ')}`);
  return text.split('\n').map((l) => /(\/\S+) \(0x[0-9a-f]+\)/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
}

export interface StandaloneImage { readonly busybox: string; readonly binary: string; readonly modules: readonly { name: string; data: Buffer }[]; readonly plan: Omit<StandalonePlan, 'binary' | 'modules' | 'env'> }

export function standaloneInitramfs(o: StandaloneImage): Buffer {
  const libs = sharedLibraries(o.binary);
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', LD_LIBRARY_PATH: [...new Set(libs.map(dirname))].join(':'), FURC_IN_VM: '1', FURC_KMSG_MARKERS: '1' };
  const script = standaloneInitScript({ ...o.plan, binary: GUEST_BINARY, modules: o.modules.map((m) => `${m.name}.ko`), env });
  const entries: CpioEntry[] = [
    { kind: 'file', path: 'bin/busybox', data: readFileSync(o.busybox), mode: 0o755 },
    { kind: 'file', path: 'init', data: Buffer.from(script), mode: 0o755 },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: GUEST_BINARY, data: readFileSync(o.binary), mode: 0o755 },
    // Each library under the name the loader asks for, with the bytes of the file that name resolves to.
    ...libs.map((l): CpioEntry => ({ kind: 'file', path: l, data: readFileSync(realpathSync(l)), mode: 0o755 })),
    ...o.modules.map((m): CpioEntry => ({ kind: 'file', path: `lib/modules/${m.name}.ko`, data: m.data })),
  ];
  return cpioNewc(entries);
}

/** Writes the guest's cwd/… files into the host's cwd; a name that would leave it is refused. */
export function writeBack(files: ReadonlyMap<string, Buffer>, cwd: string): string[] {
  const written: string[] = [];
  for (const [name, data] of files) {
    if (!name.startsWith('cwd/')) continue;
    const dest = resolve(cwd, name.slice(4));
    if (!dest.startsWith(resolve(cwd) + sep)) throw new VmError(`the guest sent ${name}, which is outside the working directory`);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, data);
    written.push(dest);
  }
  return written;
}

export function checkBinary(binary: string): void {
  if (!existsSync(binary)) throw new VmError(`${binary} is missing: run npm run package (furc vm --standalone boots the packed executable)`);
}
