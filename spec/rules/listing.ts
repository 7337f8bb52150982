// Text forms of rule tables: the golden-file format, and what keeps a golden file from matching the spec.
import { resultName } from './types.js';
import type { Revision } from '../revisions.js';

/** "<table> <rule id> <ERRNO|reply>" per check row, tables in dispatch order: the golden format. */
export function goldenLines(rev: Revision): string[] {
  const out: string[] = [];
  for (const [tid, t] of Object.entries(rev.tables)) {
    for (const r of t!.rows) {
      if (r.kind !== 'check') continue;
      out.push(`${tid} ${r.id} ${resultName(r.errno)}`);
    }
  }
  return out;
}

/**
 * Both ways: each spec row the golden lines lack, each golden line naming no spec row, each row whose result differs,
 * and the first pair of rows the two list in opposite order. Empty when they match line for line.
 */
export function goldenMismatch(rev: Revision, golden: readonly string[]): string[] {
  const key = (line: string) => line.split(' ').slice(0, 2).join(' ');
  const spec = goldenLines(rev);
  const inSpec = new Map(spec.map((l) => [key(l), l])), inGolden = new Map(golden.map((l) => [key(l), l]));
  const out = [
    ...spec.filter((l) => !inGolden.has(key(l))).map((l) => `missing from the golden file: ${l}`),
    ...golden.filter((l) => !inSpec.has(key(l))).map((l) => `not in the spec: ${l}`),
    ...spec.filter((l) => inGolden.has(key(l)) && inGolden.get(key(l)) !== l).map((l) => `result differs: spec ${l}, golden file ${inGolden.get(key(l))}`),
  ];
  // Order, over the rows both name: the first place they part, shown as the two rows each puts there.
  const a = spec.map(key).filter((k) => inGolden.has(k)), b = golden.map(key).filter((k) => inSpec.has(k));
  const at = a.findIndex((k, i) => k !== b[i]);
  if (at >= 0) out.push(`order: the spec has ${a[at]} where the golden file has ${b[at]}`);
  return out;
}
