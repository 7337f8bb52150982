// JSON text of reports and command output; bigints, which JSON lacks, become strings (wire.ts keeps its own tagged form to round-trip).
import { match } from 'ts-pattern';

/** Decimal for reports (commit ids, counts); hex for spec constants and flag words, as the kernel headers write them. */
export type BigintStyle = 'decimal' | 'hex';

const hex = (x: bigint) => (x < 0n ? `-0x${(-x).toString(16)}` : `0x${x.toString(16)}`);

/** `indent` 0 writes one line (a C comment's config). */
export function jsonText(value: unknown, bigints: BigintStyle = 'decimal', indent = 2): string {
  const show = (x: bigint) => match(bigints).with('decimal', () => x.toString()).with('hex', () => hex(x)).exhaustive();
  return JSON.stringify(value, (_k, x: unknown) => (typeof x === 'bigint' ? show(x) : x), indent);
}
