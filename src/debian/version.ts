// Kernel versions as Debian names them (6.18.5, 7.3~rc7), in release order.

/** Compares upstream kernel versions numerically, part by part; "~" sorts before anything (7.3~rc7 < 7.3). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/(\d+)/).filter((p) => p !== '');
  const pa = parts(a), pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i], y = pb[i];
    if (x === y) continue;
    if (x === undefined) return y!.startsWith('~') ? 1 : -1;
    if (y === undefined) return x.startsWith('~') ? -1 : 1;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y);
    if (x.startsWith('~') !== y.startsWith('~')) return x.startsWith('~') ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
