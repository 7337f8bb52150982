// Host programs a kernel build needs, checked before any work, each with the Debian package that provides it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KEYRING } from './debian.js';

/** The C compiler kbuild will call: $CC, else gcc (kbuild's default for CC and HOSTCC). */
export const compiler = () => process.env.CC || 'gcc';

const runs = (cmd: string, args: string[], input?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return r.error ? null : r;
};

const FOR_BUILD: readonly [string, string[], string][] = [
  ['make', ['--version'], 'make'], ['flex', ['--version'], 'flex'], ['bison', ['--version'], 'bison'], ['bc', ['--version'], 'bc'], ['perl', ['-v'], 'perl'],
];
const FOR_DEBIAN: readonly [string, string[], string][] = [
  ['gpgv', ['--version'], 'gpgv'], ['xz', ['--version'], 'xz-utils'], ['dpkg-deb', ['--version'], 'dpkg'], ['tar', ['--version'], 'tar'],
];

/** One line naming the first program a Debian source needs that is missing (verifying and unpacking), or null. */
export function missingFetchTool(): string | null {
  for (const [cmd, args, pkg] of FOR_DEBIAN) {
    const r = runs(cmd, args);
    if (!r || r.status !== 0) return `${cmd} not found: install the Debian package ${pkg}`;
  }
  return existsSync(KEYRING) ? null : `${KEYRING} not found: install the Debian package debian-archive-keyring`;
}

/** One line naming the first missing piece of a kernel build (compiler, make, kconfig's flex and bison, objtool's libelf), or null. */
export function missingBuildTool(): string | null {
  const cc = compiler();
  const v = runs(cc, ['--version']);
  if (!v || v.status !== 0) return `no C compiler: '${cc}' ${v ? `exited ${v.status}` : 'was not found'} (install the Debian package gcc, or set CC)`;
  for (const [cmd, args, pkg] of FOR_BUILD) {
    const r = runs(cmd, args);
    if (!r || r.status !== 0) return `${cmd} not found: install the Debian package ${pkg}`;
  }
  // objtool, which every x86_64 build runs, is built against libelf.
  const elf = runs(cc, ['-E', '-x', 'c', '-'], '#include <gelf.h>\n');
  if (!elf || elf.status !== 0) return `libelf headers not found (${cc} cannot include <gelf.h>): install the Debian package libelf-dev (objtool needs it)`;
  return null;
}

/** What identifies the toolchain in cache keys: the first line of each version banner. */
export function toolchainId(): string {
  return [compiler(), 'ld', 'make'].map((c) => runs(c, ['--version'])?.stdout.split('\n')[0] ?? c).join(' | ');
}
