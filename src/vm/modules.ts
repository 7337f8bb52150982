// Which kernel modules the guest must load, in dependency order, read from the modules' own .modinfo `depends=`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';

export class ModulesError extends Error {}

/** What the guest needs: the virtio PCI transport, 9p over virtio (host root and work shares), and FUSE. */
export const GUEST_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'fuse'] as const;

export interface Module { readonly name: string; readonly file: string; readonly depends: readonly string[]; readonly vermagic: string | null; readonly data: Buffer }

/** Compressed modules (Debian ships .ko.xz since trixie) are unpacked on the host: busybox insmod takes plain ELF. */
const UNPACK: Readonly<Record<string, [string, string]>> = { '.xz': ['xz', 'xz-utils'], '.zst': ['zstd', 'zstd'] };

export function readModule(file: string): Buffer {
  if (file.endsWith('.ko')) return readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(readFileSync(file));
  const [tool, pkg] = UNPACK[file.slice(file.lastIndexOf('.'))] ?? [];
  if (!tool) throw new ModulesError(`${file}: unknown module compression`);
  try {
    return execFileSync(tool, ['-dc', file], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new ModulesError(`${file}: unpacking it needs ${tool} (Debian package ${pkg})`);
    throw new ModulesError(`${file}: ${tool} -dc failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

const norm = (n: string) => n.replace(/-/g, '_');

/** key=value pairs of the ELF64 section `.modinfo` of a .ko file. */
export function modinfo(ko: Buffer, what = 'module'): Map<string, string[]> {
  if (ko.length < 64 || ko.readUInt32BE(0) !== 0x7f454c46) throw new ModulesError(`${what}: not an ELF module`);
  if (ko[4] !== 2 || ko[5] !== 1) throw new ModulesError(`${what}: not a 64-bit little-endian ELF module`);
  const shoff = Number(ko.readBigUInt64LE(0x28)), shentsize = ko.readUInt16LE(0x3a), shnum = ko.readUInt16LE(0x3c), shstrndx = ko.readUInt16LE(0x3e);
  if (shoff + shnum * shentsize > ko.length || shstrndx >= shnum) throw new ModulesError(`${what}: section table out of bounds (truncated file?)`);
  const sec = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: ko.readUInt32LE(at), offset: Number(ko.readBigUInt64LE(at + 24)), size: Number(ko.readBigUInt64LE(at + 32)) };
  };
  const strtab = sec(shstrndx);
  const nameOf = (off: number) => { const s = strtab.offset + off; return ko.toString('latin1', s, ko.indexOf(0, s)); };
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    if (nameOf(s.name) !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) throw new ModulesError(`${what}: .modinfo out of bounds (truncated file?)`);
    const out = new Map<string, string[]>();
    for (const kv of ko.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      const eq = kv.indexOf('=');
      if (eq > 0) out.set(kv.slice(0, eq), [...(out.get(kv.slice(0, eq)) ?? []), kv.slice(eq + 1)]);
    }
    return out;
  }
  throw new ModulesError(`${what}: no .modinfo section`);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) out.push(p);
  }
  return out;
}

export interface ModuleSet {
  /** Modules to insmod, dependencies first. */
  readonly load: readonly Module[];
  /** Wanted names that are built into the kernel (modules.builtin). */
  readonly builtin: readonly string[];
  /** Wanted names found neither as a module nor built in: the guest will say what that disables. */
  readonly missing: readonly string[];
  readonly vermagic: string | null;
}

/** Resolves `wanted` against DIR (a lib/modules/VERSION tree), dependencies first, built-ins skipped. */
export function resolveModules(dir: string, wanted: readonly string[] = GUEST_MODULES): ModuleSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModulesError(`--modules ${dir}: not a directory (want lib/modules/<version> of the kernel image)`);
  const builtinFile = join(dir, 'modules.builtin');
  const builtin = new Set(existsSync(builtinFile) ? readFileSync(builtinFile, 'utf8').split('\n').filter(Boolean).map((l) => norm(basename(l).replace(/\.ko.*$/, ''))) : []);
  const files = new Map(walk(dir).map((f) => [norm(basename(f).replace(/\.ko.*$/, '')), f]));
  if (files.size === 0 && builtin.size === 0) throw new ModulesError(`--modules ${dir}: no .ko files and no modules.builtin (want lib/modules/<version>)`);
  const load: Module[] = [], done = new Set<string>(), missing: string[] = [], builtins: string[] = [];
  const visit = (name: string, chain: string[]) => {
    if (done.has(name)) return;
    if (chain.includes(name)) throw new ModulesError(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    if (builtin.has(name)) { done.add(name); builtins.push(name); return; }
    const file = files.get(name);
    if (!file) { done.add(name); missing.push(name); return; }
    const data = readModule(file);
    const info = modinfo(data, file);
    const depends = (info.get('depends')?.[0] ?? '').split(',').filter(Boolean).map(norm);
    for (const d of depends) visit(d, [...chain, name]);
    done.add(name);
    load.push({ name, file, depends, vermagic: info.get('vermagic')?.[0] ?? null, data });
  };
  for (const w of wanted) visit(norm(w), []);
  return { load, builtin: builtins, missing, vermagic: load[0]?.vermagic ?? null };
}
