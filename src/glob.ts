// Shell-style globs for user-written lists: `*` any run of characters, `?` one, everything else literal.
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 's');
}

export const globMatch = (glob: string, s: string): boolean => globRegExp(glob).test(s);
