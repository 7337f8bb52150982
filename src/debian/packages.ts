// A Packages index: one stanza per binary package, read into the few fields the kernel fetcher needs.
export interface Pkg {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
  readonly depends: string;
}

export function parsePackages(text: string): Pkg[] {
  const out: Pkg[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    let key = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line)) { if (key) f.set(key, `${f.get(key)}\n${line.trim()}`); continue; }
      const colon = line.indexOf(':');
      if (colon > 0) { key = line.slice(0, colon); f.set(key, line.slice(colon + 1).trim()); }
    }
    const name = f.get('Package'), version = f.get('Version'), filename = f.get('Filename'), sha256 = f.get('SHA256');
    if (name && version && filename && sha256) out.push({ name, version, filename, sha256, size: Number(f.get('Size') ?? 0), depends: f.get('Depends') ?? '' });
  }
  return out;
}

/** The exact version a Depends field pins a package to: `linux-modules-V (= 7.1.7-1~bpo13+1)`. */
export function pinnedVersion(depends: string, pkg: string): string | null {
  for (const alt of depends.split(/[,|]/)) {
    const m = /^\s*(\S+)\s*\(=\s*([^)\s]+)\s*\)/.exec(alt);
    if (m && m[1] === pkg) return m[2]!;
  }
  return null;
}
