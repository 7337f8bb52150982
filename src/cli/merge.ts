// `furc merge`: shard outputs joined, timelines into the one an unsharded run writes and corpora into one deduplicated corpus.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadMatrixBaseline } from '../matrix/baseline.js';
import { mergeMatrix } from '../matrix/merge.js';
import { OUTPUT_FILES, writeMatrixOutputs } from '../matrix/outputs.js';
import { summaryText } from '../matrix/render/text.js';
import { loadMatrixReport, type MatrixReport } from '../matrix/report.js';
import { timeline } from '../matrix/timeline.js';
import { mergeCorpora } from '../merge/corpus.js';
import type { Io } from './main.js';
import { UsageError } from '../../spec/errors.js';
import { parse, usageLine } from './args.js';
import { MERGE } from './commands.js';

/** What one input contributes: a timeline report and corpus files (<hash>-<slug>.json beside it or under corpus/). */
function readInput(p: string): { report: MatrixReport | null; corpus: string[] } {
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s) throw new UsageError(`${p}: no such file or directory`);
  if (!s.isDirectory()) return { report: loadMatrixReport(p), corpus: [] };
  const json = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => /^[0-9a-f]{12}-.*\.json$/.test(f)).map((f) => join(d, f)) : []);
  const tl = join(p, OUTPUT_FILES.json);
  const corpus = [...json(p), ...json(join(p, 'corpus'))];
  if (!existsSync(tl) && corpus.length === 0) throw new UsageError(`${p}: holds neither ${OUTPUT_FILES.json} nor corpus files (<hash>-<slug>.json)`);
  return { report: existsSync(tl) ? loadMatrixReport(tl) : null, corpus };
}

export async function mergeCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(MERGE, args);
  if (positionals.length === 0) throw new UsageError(`usage: ${usageLine(MERGE)} (directories from furc matrix or fuzz --out, or timeline.json files)`);
  const out = v.out;
  const baseline = v.baseline ? loadMatrixBaseline(v.baseline) : null;
  const inputs = positionals.map((p) => ({ path: p, ...readInput(p) }));
  let status = 0;
  const reports = inputs.flatMap((x) => (x.report ? [{ path: x.path, report: x.report }] : []));
  if (reports.length) {
    let merged = mergeMatrix(reports);
    // A baseline given here re-judges the joined builds; otherwise the one the shards ran with stands.
    if (baseline) merged = { ...merged, plan: { ...merged.plan, baseline }, timeline: timeline(merged.builds, baseline) };
    writeMatrixOutputs(merged, out);
    io.out(summaryText(merged));
    io.out(`# written: ${out}/${OUTPUT_FILES.json}, ${OUTPUT_FILES.junit}, ${OUTPUT_FILES.html}`);
    if (merged.timeline.unexpected > 0 || merged.timeline.errors.length > 0) status = 1;
  }
  const files = inputs.flatMap((x) => x.corpus);
  if (files.length) {
    const c = await mergeCorpora(files, join(out, 'corpus'));
    io.out(`corpus: ${files.length} files from ${inputs.filter((x) => x.corpus.length).length} inputs: ${c.kept.length} kept in ${out}/corpus, ${c.duplicates.length} duplicates, ${c.rejected.length} rejected`);
    for (const r of c.rejected) io.out(`  rejected ${r.file}: ${r.why}`);
    for (const f of c.drifted) io.out(`  kept ${f}: the model now expects something else than when it was recorded`);
    for (const f of c.misnamed) io.out(`  kept ${f}: its name's hash is not its case's (edited since it was found)`);
  }
  return status;
}
