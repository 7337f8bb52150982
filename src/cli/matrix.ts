// `furc matrix`: the suite and a fixed-seed fuzz inside furc vm for every build of a list, written as one timeline.
import { existsSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { UsageError } from '../../spec/errors.js';
import { cacheRoot, parseSize, prune } from '../debian/cache.js';
import { ArchiveError } from '../debian/http.js';
import { decideAccel } from '../matrix/accel.js';
import { loadMatrixBaseline, NO_BASELINE } from '../matrix/baseline.js';
import { debianPlan, parseDebianList } from '../matrix/debianList.js';
import { runMatrix } from '../matrix/engine.js';
import { kernelsFile } from '../matrix/kernelsFile.js';
import { writeMatrixOutputs } from '../matrix/outputs.js';
import type { PlanItem } from '../matrix/plan.js';
import { summaryText } from '../matrix/render/text.js';
import { vmRunner } from '../matrix/vmRunner.js';
import { parseShard, shardItems, showShard, UNSHARDED } from '../shard.js';
import { ImageError } from '../vm/image.js';
import { ModulesError } from '../vm/modules.js';
import { VmError } from '../vm/tools.js';
import { parse, usageLine } from './args.js';
import { MATRIX } from './commands.js';
import type { Io } from './main.js';
import { VM_FAILED } from './vm.js';

/** Each guest is a 2-CPU qemu; beyond one per two cores (or per free 1.5 GiB) guests only slow each other down. */
export const defaultJobs = (memM: number) => Math.max(1, Math.min(Math.floor(availableParallelism() / 2), Math.floor(freemem() / ((memM + 512) * 2 ** 20))));

function options(args: readonly string[]) {
  const { values: v } = parse(MATRIX, args);
  const cacheMax = v['cache-max'] === undefined ? 8 * 2 ** 30 : parseSize(v['cache-max']);
  if (cacheMax === null) throw new UsageError(`--cache-max ${v['cache-max']}: want a size such as 8G or 500M`);
  if (v.prune) {
    const extra = Object.entries(v).find(([k, x]) => !['prune', 'cache-max', 'out'].includes(k) && x !== undefined && x !== false);
    if (extra) throw new UsageError(`--prune only takes --cache-max (got --${extra[0]})`);
    return { prune: true as const, cacheMax };
  }
  if ((v.debian === undefined) === (v.kernels === undefined)) throw new UsageError(`give exactly one of --debian SUITE[:GLOB] and --kernels FILE (usage: ${usageLine(MATRIX)})`);
  const mem = v.mem ?? 1024;
  return {
    prune: false as const, cacheMax, debian: v.debian, kernels: v.kernels, list: v.list, out: v.out,
    shard: v.shard === undefined ? UNSHARDED : parseShard(v.shard), jobs: v.jobs ?? defaultJobs(mem), mem,
    baseline: v.baseline, seed: v.seed ?? 20261130, fuzzRuns: v['fuzz-runs'] ?? 25, fuzzTime: v['fuzz-time'] ?? 600,
    timeout: v.timeout ?? 2400, accel: v.accel ?? 'auto',
  };
}

export async function matrixCommand(args: readonly string[], io: Io): Promise<number> {
  const o = options(args);
  if (o.prune) {
    const r = prune(o.cacheMax);
    io.out(`furc matrix: cache ${cacheRoot()}/debian holds ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${r.kept.length} builds; removed ${r.removed.length}${r.removed.length ? `: ${r.removed.join(', ')}` : ''}`);
    return 0;
  }
  // Everything a user typed is checked before anything is fetched or booted.
  const baseline = o.baseline ? loadMatrixBaseline(o.baseline) : NO_BASELINE;
  let items: PlanItem[];
  try { items = o.debian ? await debianPlan(parseDebianList(o.debian)) : kernelsFile(o.kernels!); } catch (e) {
    if (e instanceof ArchiveError) { io.err(`furc matrix: ${e.message}`); return VM_FAILED; }
    throw e;
  }
  const mine = shardItems(items, o.shard);
  if (o.list) {
    for (const it of items) io.out(`${mine.includes(it) ? '*' : ' '} ${it.label.padEnd(10)} ${it.source}`);
    io.out(`# ${items.length} builds; shard ${showShard(o.shard)} runs the ${mine.length} marked *`);
    return 0;
  }
  const plan = { builds: items.map((i) => i.label), lists: [o.debian ? `--debian ${o.debian}` : `--kernels ${o.kernels}`], seed: o.seed, fuzzRuns: o.fuzzRuns, baseline };
  let runner: ReturnType<typeof vmRunner> | null = null;
  const onSignal = (sig: NodeJS.Signals) => { runner?.dispose(); process.kill(process.pid, sig); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const first = mine.length ? await mine[0]!.prepare(io.err) : null;
    const accel = await decideAccel(o.accel, first);
    io.err(`furc matrix: ${mine.length} of ${items.length} builds (shard ${showShard(o.shard)}), ${o.jobs} at a time, ${accel.accel.toUpperCase()} (${accel.why})`);
    runner = vmRunner({ seed: o.seed, fuzzRuns: o.fuzzRuns, fuzzSeconds: o.fuzzTime, timeoutS: o.timeout, memM: o.mem, accel: accel.accel, outDir: o.out });
    let done = 0;
    const report = await runMatrix({
      plan, items, shard: o.shard, jobs: o.jobs, runner: runner.run, accel: accel.accel.toUpperCase(), note: io.err,
      onBuild: (b, s) => io.err(`furc matrix: [${++done}/${mine.length}] ${b.label} ${b.error ? `ERROR: ${b.error}` : `ran (${b.revision})`} in ${Math.round(s)} s`),
    });
    writeMatrixOutputs(report, o.out);
    io.out(summaryText(report));
    io.out(`# written: ${o.out}/timeline.json, timeline.junit.xml, timeline.html${existsSync(`${o.out}/logs`) ? ', logs/ (one guest log per build)' : ''}`);
    const r = prune(o.cacheMax, new Set(items.map((i) => i.cacheId).filter((x): x is string => !!x)));
    if (r.removed.length) io.err(`furc matrix: cache over ${o.cacheMax} bytes: removed ${r.removed.join(', ')}`);
    // A shard's builds are not consecutive in the plan: its changes are provisional until furc merge joins the shards.
    if (o.shard.count > 1) {
      io.out(`# shard ${showShard(o.shard)}: changes above are between this shard's builds only; furc merge joins the shards into the timeline`);
      return report.timeline.errors.length > 0 ? 1 : 0;
    }
    return report.timeline.unexpected > 0 || report.timeline.errors.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof VmError || e instanceof ImageError || e instanceof ModulesError || e instanceof ArchiveError) { io.err(`furc matrix: ${e.message}`); return VM_FAILED; }
    throw e;
  } finally {
    runner?.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
