// furc merge for corpora: findings of many shards joined by case hash, each kept file re-checked on the model first.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CorpusError, loadEntry } from '../../fuzz/corpus.js';
import { runCase } from '../../fuzz/runCase.js';
import { cpus } from '../kernel/detect.js';
import { toWire } from '../kernel/wire.js';
import { ModelTarget } from '../target/modelTarget.js';

export interface CorpusMerge {
  readonly kept: readonly string[];
  /** Files whose case another kept file already has. */
  readonly duplicates: readonly string[];
  readonly rejected: readonly { readonly file: string; readonly why: string }[];
  /** Kept, but the model now expects something else at some step than when the file was written. */
  readonly drifted: readonly string[];
  /** Kept, but the name's hash is not its case's (edited by hand since it was found): deduplicated by content. */
  readonly misnamed: readonly string[];
}

/** The name saveFinding gives a case: the first 12 hex digits of its wire form's sha1. */
export const caseHash = (c: unknown) => createHash('sha1').update(toWire(c)).digest('hex').slice(0, 12);

const model = () => new ModelTarget({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });

/** Files are taken in name order, so which of two duplicates is kept does not depend on the order shards finished. */
export async function mergeCorpora(files: readonly string[], out: string): Promise<CorpusMerge> {
  const kept: string[] = [], duplicates: string[] = [], rejected: { file: string; why: string }[] = [], drifted: string[] = [], misnamed: string[] = [];
  const seen = new Set<string>();
  const sorted = [...files].sort((a, b) => basename(a).localeCompare(basename(b)) || a.localeCompare(b));
  for (const f of sorted) {
    let e;
    try { e = loadEntry(f); } catch (err) { if (err instanceof CorpusError) { rejected.push({ file: f, why: err.message }); continue; } throw err; }
    const hash = caseHash(e.case);
    if (seen.has(hash)) { duplicates.push(f); continue; }
    // Re-checked as furc replay would on a machine without the kernel: the case must still reach its step on the model.
    const o = await runCase(model(), model(), e.case);
    if (o.steps.length < e.mustReach) { rejected.push({ file: f, why: `stops at step ${o.steps.length} on the model, before step ${e.mustReach} it must reach` }); continue; }
    if (e.steps.some((s, i) => o.steps[i] && s.expected.join('\n') !== o.steps[i]!.expected.join('\n'))) drifted.push(f);
    if (!basename(f).startsWith(`${hash}-`)) misnamed.push(f);
    seen.add(hash);
    mkdirSync(out, { recursive: true });
    for (const src of [f, f.replace(/\.json$/, '.c')].filter((p, i) => i === 0 || existsSync(p))) {
      const dest = join(out, basename(src));
      copyFileSync(src, `${dest}.tmp-${process.pid}`);
      renameSync(`${dest}.tmp-${process.pid}`, dest);
    }
    kept.push(join(out, basename(f)));
  }
  return { kept, duplicates, rejected, drifted, misnamed };
}
