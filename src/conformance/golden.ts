// Reads the reviewed golden rule tables (fixtures/golden/rules.<REV>.txt): the oracle for errnos and order.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseErrno } from '../../spec/errno.js';
import type { RuleResult } from '../../spec/rules/types.js';
import type { RevisionId } from '../../spec/types.js';
import { seaText } from '../sea/sea.js';

export interface GoldenRow { readonly table: string; readonly id: string; readonly errno: RuleResult }

export function goldenPath(rev: RevisionId): string {
  const up = import.meta.url.includes('/dist/') ? '../../../' : '../../';
  return fileURLToPath(new URL(`${up}fixtures/golden/rules.${rev}.txt`, import.meta.url));
}

/** The text of a revision's golden file. */
export const goldenText = (rev: RevisionId): string => seaText(`fixtures/golden/rules.${rev}.txt`) ?? readFileSync(goldenPath(rev), 'utf8');

/** Lines: "<table> <rule id> <ERRNO|reply|blocked>", '#' comments; a malformed line throws naming `where` and its number. */
export function parseGolden(text: string, where: string): GoldenRow[] {
  return text.split('\n').flatMap((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (!t) return [];
    const [table, id, err] = t.split(/\s+/);
    const errno = err === 'reply' || err === 'blocked' ? err : err ? parseErrno(err) : undefined;
    if (!table || !id || errno === undefined) throw new Error(`${where}:${i + 1}: malformed golden row: ${line}`);
    return [{ table, id, errno }];
  });
}

export const golden = (rev: RevisionId): GoldenRow[] => parseGolden(goldenText(rev), goldenPath(rev));
