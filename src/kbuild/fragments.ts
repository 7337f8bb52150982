// The config fragments kept in the repo: the minimal QEMU guest, and one per --debug kind.
export const DEBUG_KINDS = ['kasan', 'kcsan', 'lockdep', 'usercopy'] as const;
export type DebugKind = (typeof DEBUG_KINDS)[number];

export const FRAGMENTS: Readonly<Record<'minimal' | DebugKind, string>> = {
  minimal: 'kconfig/minimal-qemu.config',
  kasan: 'kconfig/debug-kasan.config',
  kcsan: 'kconfig/debug-kcsan.config',
  lockdep: 'kconfig/debug-lockdep.config',
  usercopy: 'kconfig/debug-usercopy.config',
};

/** tinyconfig's own fragments, read from the tree being built (tiny-base first, as `make tinyconfig` does). */
export const TINY_FRAGMENTS = ['kernel/configs/tiny-base.config', 'kernel/configs/tiny.config', 'arch/x86/configs/tiny.config'] as const;
