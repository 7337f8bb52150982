// Writes a standalone C reproducer of a race iteration (filled in below).
import { writeFileSync } from 'node:fs';
import type { RevisionId } from '../../spec/types.js';

export function writeRaceReproducer(file: string, rev: RevisionId, nrCpus: number, req: { scenario: string; seed: number; iteration: number; maxJitterNs: number }): void {
  writeFileSync(file, `/* ${rev} ${nrCpus} ${JSON.stringify(req)} */\n`);
}
