// Differences between two revisions: constants, layout fields and rule rows, as rows of a table.
import { errnoName } from './errno.js';
import { resultName } from './rules/types.js';
import type { Revision } from './revisions.js';
import { fieldSize } from './codec/codec.js';

export interface DiffRow { readonly kind: 'constant' | 'layout' | 'rule'; readonly name: string; readonly a: string; readonly b: string }

const baseName = (n: string) => n.replace(/\$R\d+(v\d+)?$/, '');

function constants(r: Revision): Map<string, string> {
  return new Map(r.constants.map((c) => [c.name, `0x${c.value.toString(16)}`]));
}

function layouts(r: Revision): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of r.layouts) {
    if (/\$R\d+v\d+$/.test(l.name)) continue;
    const name = baseName(l.name);
    out.set(`${name} (size)`, String(l.size));
    for (const f of l.fields) out.set(`${name}.${f.name}`, `@${f.offset}:${fieldSize(f, r.lookup)}${f.arm ? ` [${f.arm}]` : ''}`);
  }
  return out;
}

function rules(r: Revision): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of Object.values(r.tables)) {
    t!.rows.forEach((row, i) => {
      if (row.kind === 'check') out.set(row.id, `#${i} ${resultName(row.errno)}`);
    });
  }
  return out;
}

function compare(kind: DiffRow['kind'], a: Map<string, string>, b: Map<string, string>): DiffRow[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => ({ kind, name: k, a: a.get(k) ?? '—', b: b.get(k) ?? '—' }));
}

export function specDiff(a: Revision, b: Revision): DiffRow[] {
  return [...compare('constant', constants(a), constants(b)), ...compare('layout', layouts(a), layouts(b)), ...compare('rule', rules(a), rules(b))];
}
