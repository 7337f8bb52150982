import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { explain, KconfigError, merge, mismatches, parseDotConfig, parseFragment, renderAllconfig, scanKconfig, unknown } from './kconfig.js';
import { FRAGMENTS, DEBUG_KINDS } from './fragments.js';

const KCONFIG = `config FUSE_FS
	tristate "FUSE (Filesystem in Userspace) support"
	select FS_POSIX_ACL

config FUSE_IO_URING
	bool "FUSE communication over io-uring"
	default y
	depends on FUSE_FS
	depends on IO_URING
	help
	  depends on nothing: this help text is not a dependency

menuconfig NETWORK_FILESYSTEMS
	bool "Network File Systems"
`;

describe('config fragments', () => {
  it('should read CONFIG_FUSE_FS=y, a string, a number and "# CONFIG_SWAP is not set" as four settings with their line numbers', () => {
    const s = parseFragment('CONFIG_FUSE_FS=y\n\nCONFIG_CMDLINE="a b"\nCONFIG_NR_CPUS=4\n# CONFIG_SWAP is not set\n# a comment\n', 'f.config');
    expect(s.map((x) => [x.name, x.value, x.line])).toEqual([['FUSE_FS', 'y', 1], ['CMDLINE', '"a b"', 3], ['NR_CPUS', '4', 4], ['SWAP', 'n', 5]]);
  });

  it('should refuse "CONFIG_FUSE_FS=yes" naming the file and line 2', () => {
    expect(() => parseFragment('CONFIG_IO_URING=y\nCONFIG_FUSE_FS=yes\n', 'k/x.config')).toThrow(new KconfigError(`k/x.config:2: not a config line: 'CONFIG_FUSE_FS=yes' (want CONFIG_NAME=y|m|n|number|"string" or '# CONFIG_NAME is not set')`));
  });

  it('should let a later fragment turn CONFIG_KASAN off again, and render it as "is not set"', () => {
    const m = merge([parseFragment('CONFIG_KASAN=y\nCONFIG_SMP=y\n', 'a'), parseFragment('# CONFIG_KASAN is not set\n', 'b')]);
    expect(renderAllconfig(m.values())).toBe('CONFIG_SMP=y\n# CONFIG_KASAN is not set\n');
  });
});

describe('checking a fragment against a tree', () => {
  const known = scanKconfig(KCONFIG);

  it('should find FUSE_FS, FUSE_IO_URING and the menuconfig NETWORK_FILESYSTEMS, with FUSE_IO_URING depending on FUSE_FS and IO_URING', () => {
    expect([...known.keys()]).toEqual(['FUSE_FS', 'FUSE_IO_URING', 'NETWORK_FILESYSTEMS']);
    expect(known.get('FUSE_IO_URING')).toEqual(['FUSE_FS', 'IO_URING']);
  });

  it('should name CONFIG_FUSE_URING_ZC as unknown to a tree that only declares FUSE_FS and FUSE_IO_URING', () => {
    const asked = parseFragment('CONFIG_FUSE_FS=y\nCONFIG_FUSE_URING_ZC=y\n', 'k.config');
    expect(unknown(asked, known).map((s) => `${s.name} ${s.line}`)).toEqual(['FUSE_URING_ZC 2']);
  });

  it('should explain a FUSE_IO_URING that kconfig left unset by its two dependencies', () => {
    const asked = parseFragment('CONFIG_FUSE_FS=y\nCONFIG_FUSE_IO_URING=y\n# CONFIG_SWAP is not set\n', 'kconfig/m.config');
    const got = parseDotConfig('CONFIG_FUSE_FS=y\n# CONFIG_FUSE_IO_URING is not set\n');
    const bad = mismatches(asked, got);
    expect(bad.map((b) => b.asked.name)).toEqual(['FUSE_IO_URING']);
    expect(explain(bad[0]!, known)).toBe('kconfig/m.config:2: CONFIG_FUSE_IO_URING=y was asked for but kconfig left it unset (depends on FUSE_FS && IO_URING)');
  });
});

describe('the fragments kept in the repo', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  it('should parse the minimal QEMU fragment and one fragment for each of kasan, kcsan, lockdep and usercopy', () => {
    expect(DEBUG_KINDS).toEqual(['kasan', 'kcsan', 'lockdep', 'usercopy']);
    for (const f of [FRAGMENTS.minimal, ...DEBUG_KINDS.map((k) => FRAGMENTS[k])]) {
      expect(parseFragment(readFileSync(`${root}${f}`, 'utf8'), f).length).toBeGreaterThan(0);
    }
  });

  it('should ask the minimal fragment for FUSE over io_uring, 9p over virtio-pci and a serial console', () => {
    const m = merge([parseFragment(readFileSync(`${root}${FRAGMENTS.minimal}`, 'utf8'), FRAGMENTS.minimal)]);
    for (const n of ['FUSE_FS', 'FUSE_IO_URING', 'IO_URING', '9P_FS', 'NET_9P_VIRTIO', 'VIRTIO_PCI', 'SERIAL_8250_CONSOLE']) expect(m.get(n)?.value, n).toBe('y');
  });
});
