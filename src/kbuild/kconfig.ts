// Kernel config fragments: parsed, merged in order (later wins), and checked against the tree's Kconfig and the .config kconfig wrote.

/** One `CONFIG_X=…` or `# CONFIG_X is not set` line of a fragment; value 'n' stands for "is not set". */
export interface Setting { readonly name: string; readonly value: string; readonly from: string; readonly line: number }

export class KconfigError extends Error {}

const SET = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
const VALUE = /^(y|m|n|-?\d+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;

export const where = (s: Setting) => `${s.from}:${s.line}`;
export const show = (s: Pick<Setting, 'name' | 'value'>) => (s.value === 'n' ? `# CONFIG_${s.name} is not set` : `CONFIG_${s.name}=${s.value}`);

export function parseFragment(text: string, from: string): Setting[] {
  const out: Setting[] = [];
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    const u = UNSET.exec(l);
    if (u) { out.push({ name: u[1]!, value: 'n', from, line: i + 1 }); return; }
    if (l === '' || l.startsWith('#')) return;
    const m = SET.exec(l);
    if (!m || !VALUE.test(m[2]!)) throw new KconfigError(`${from}:${i + 1}: not a config line: '${l}' (want CONFIG_NAME=y|m|n|number|"string" or '# CONFIG_NAME is not set')`);
    out.push({ name: m[1]!, value: m[2]!, from, line: i + 1 });
  });
  return out;
}

/** Later fragments override earlier ones, the way KCONFIG_ALLCONFIG and merge_config.sh treat repeated symbols. */
export function merge(fragments: readonly (readonly Setting[])[]): Map<string, Setting> {
  const m = new Map<string, Setting>();
  for (const f of fragments) for (const s of f) { m.delete(s.name); m.set(s.name, s); }
  return m;
}

/** The KCONFIG_ALLCONFIG file for `make allnoconfig`: every symbol not listed ends up off. */
export function renderAllconfig(settings: Iterable<Setting>): string {
  return [...settings].map((s) => `${show(s)}\n`).join('');
}

/** A .config as name → value; symbols kconfig wrote as "is not set" read 'n', absent ones are not in the map. */
export function parseDotConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\n')) {
    const s = SET.exec(l), u = UNSET.exec(l);
    if (s) m.set(s[1]!, s[2]!); else if (u) m.set(u[1]!, 'n');
  }
  return m;
}

/** A symbol's `depends on` lines, kept to explain why kconfig could not set it. */
export type Symbols = Map<string, string[]>;

const DECL = /^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*$/;
const DEPENDS = /^\s*depends on\s+(.*?)\s*$/;
const ENDS = /^\s*(?:(?:menu)?config|choice|endchoice|menu|endmenu|if|endif|source|comment|help|---help---)\b/;

/** Adds the symbols one Kconfig file declares (config / menuconfig) with their dependencies. */
export function scanKconfig(text: string, into: Symbols = new Map()): Symbols {
  let cur: string[] | null = null;
  for (const l of text.split('\n')) {
    const d = DECL.exec(l);
    if (d) { cur = into.get(d[1]!) ?? []; into.set(d[1]!, cur); continue; }
    if (ENDS.test(l)) { cur = null; continue; }
    const dep = cur && DEPENDS.exec(l);
    if (dep && cur) cur.push(dep[1]!);
  }
  return into;
}

/** Settings naming a symbol no Kconfig file of the tree declares. */
export function unknown(asked: Iterable<Setting>, known: Symbols): Setting[] {
  return [...asked].filter((s) => !known.has(s.name));
}

export interface Mismatch { readonly asked: Setting; readonly got: string }

/** Settings the resulting .config does not carry as asked (an unset symbol counts as 'n'). */
export function mismatches(asked: Iterable<Setting>, got: Map<string, string>): Mismatch[] {
  return [...asked].flatMap((s) => {
    const g = got.get(s.name) ?? 'n';
    return g === s.value ? [] : [{ asked: s, got: g }];
  });
}

/** One line for the first mismatch: the fragment line, what kconfig made of it, and the symbol's dependencies. */
export function explain(m: Mismatch, known: Symbols): string {
  const deps = known.get(m.asked.name) ?? [];
  const why = deps.length ? ` (depends on ${deps.join(' && ')})` : '';
  return `${where(m.asked)}: ${show(m.asked)} was asked for but kconfig ${m.got === 'n' ? 'left it unset' : `set ${m.got}`}${why}`;
}
