// Text forms of rule tables: the golden-file format and a readable table.
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
