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

const NEEDED: readonly [string, string[], string][] = [
  ['make', ['--version'], 'make'], ['flex', ['--version'], 'flex'], ['bison', ['--version'], 'bison'],
  ['bc', ['--version'], 'bc'], ['perl', ['-v'], 'perl'], ['tar', ['--version'], 'tar'], ['xz', ['--version'], 'xz-utils'],
];
const FOR_DEBIAN: readonly [string, string[], string][] = [['dpkg-deb', ['--version'], 'dpkg'], ['gpgv', ['--version'], 'gpgv']];

/** One line naming the first missing piece, or null when everything is there. */
export function missingTool(debian: boolean): string | null {
  const cc = compiler();
  const v = runs(cc, ['--version']);
  if (!v || v.status !== 0) return `no C compiler: '${cc}' ${v ? `exited ${v.status}` : 'was not found'} (install the Debian package gcc, or set CC)`;
  for (const [cmd, args, pkg] of [...NEEDED, ...(debian ? FOR_DEBIAN : [])]) {
    const r = runs(cmd, args);
    if (!r || r.status !== 0) return `${cmd} not found: install the Debian package ${pkg}`;
  }
  // objtool, which every x86_64 build runs, is built against libelf.
  const elf = runs(cc, ['-E', '-x', 'c', '-'], '#include <gelf.h>\n');
  if (!elf || elf.status !== 0) return `libelf headers not found (${cc} cannot include <gelf.h>): install the Debian package libelf-dev (objtool needs it)`;
  if (debian && !existsSync(KEYRING)) return `${KEYRING} not found: install the Debian package debian-archive-keyring`;
  return null;
}

/** What identifies the toolchain in cache keys: the first line of each version banner. */
export function toolchainId(): string {
  return [compiler(), 'ld', 'make'].map((c) => runs(c, ['--version'])?.stdout.split('\n')[0] ?? c).join(' | ');
}
