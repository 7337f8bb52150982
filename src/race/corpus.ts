// A race finding as a corpus file: what ran (scenario, seed, iteration, jitter), what happened, what the model allows.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { RevisionId } from '../../spec/types.js';
import { toWire } from '../kernel/wire.js';
import type { RaceFinding } from './runner.js';

export interface RaceCorpusEntry {
  readonly title: string;
  readonly found: string;
  readonly source: string;
  readonly kernel: string;
  readonly revision: RevisionId;
  readonly nrCpus: number;
  readonly scenario: string;
  readonly seed: number;
  readonly iteration: number;
  readonly maxJitterNs: number;
  readonly jitterNs: readonly number[];
  readonly mutant: string | null;
  readonly finding: RaceFinding['finding'];
  readonly outcome: readonly string[];
  /** How to run it again: the same scenario, seed and iteration under furc race, or the C reproducer beside it. */
  readonly replay: string;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);

export function titleOf(f: RaceFinding['finding']): string {
  switch (f.kind) {
    case 'outcome': return `outcome the model does not allow: ${f.nearest ? `${[...f.nearest.extra].join(', ')} (model: ${[...f.nearest.missing].join(', ') || 'nothing'})` : f.observed.join(', ')}`;
    case 'hang': return `hang: ${f.what}`;
    case 'splat': return `kernel log: ${f.lines[0] ?? ''}`;
    case 'leak': return `left behind: ${f.what}`;
  }
}

/** Writes `<dir>/<hash>-race-<scenario>-<kind>.json`; returns its path (the C reproducer goes beside it, .c). */
export function saveRaceFinding(dir: string, e: Omit<RaceCorpusEntry, 'title'>): string {
  const hash = createHash('sha1').update(toWire([e.scenario, e.revision, e.finding.kind, e.finding.kind === 'outcome' ? e.outcome : titleOf(e.finding)])).digest('hex').slice(0, 12);
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${hash}-race-${slug(e.scenario)}-${e.finding.kind}.json`;
  writeFileSync(file, JSON.stringify(JSON.parse(toWire({ title: titleOf(e.finding), ...e })), null, 2) + '\n');
  return file;
}
