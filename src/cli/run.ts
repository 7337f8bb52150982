// `furc run` and `furc probe`: the conformance suite and the capability fingerprint of this kernel.
import { cpus } from '../kernel/detect.js';
import { KernelTarget } from '../kernel/kernelTarget.js';
import { ModelTarget } from '../target/modelTarget.js';
import type { Target } from '../target/target.js';
import { writeFileSync } from 'node:fs';
import { runSuite } from '../conformance/suite.js';
import { exitStatus, failing, showVerdict, type CaseResult } from '../conformance/verdict.js';
import { jsonText } from '../report/json.js';
import { kcidb, kcidbOptions } from '../report/kcidb.js';
import { caseId, makeReport, render, type RunReport } from '../report/report.js';
import { UsageError } from '../../spec/errors.js';
import { REVISIONS, type RevisionId } from '../../spec/types.js';
import { withEnableUring } from './kernelRun.js';
import { watchdog } from './watchdog.js';
import { parse, type Parsed } from './args.js';
import { globMatch } from '../glob.js';
import { PROBE, RUN } from './commands.js';
import type { Io } from './main.js';

/** The report format and, for kcidb, its options; a wrong combination is a UsageError before any work (also under furc vm). */
export function reportOptions(o: Parsed<typeof RUN>['values']) {
  const format = o.format ?? (o.json ? 'json' : undefined);
  if (format !== 'kcidb' && (o['build-id'] !== undefined || o.origin !== undefined)) throw new UsageError('--build-id and --origin go with --format kcidb');
  return { format, kcidbOpts: format === 'kcidb' ? kcidbOptions(o['build-id'], o.origin, new Date()) : null };
}

export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(RUN, args);
  const targetName = o.target ?? 'model';
  const r = o.revision;
  const { format, kcidbOpts } = reportOptions(o);
  const outFile = o.out;
  const revs: RevisionId[] = r ? [r] : [...REVISIONS];
  const only = o.only === undefined ? undefined : (id: string) => globMatch(o.only!, id);
  const nr = cpus();
  // Lines go to the terminal unless a report takes stdout.
  const live = !(format && !outFile);
  const print = (c: CaseResult) => { if (live) io.out(`${showVerdict(c.verdict).padEnd(6)} ${caseId(c)}${failing(c.verdict) ? `\n       replay: ${c.replay}` : ''}`); };
  const finish = (rep: RunReport): number => {
    const s = rep.summary;
    if (live) io.out(`# ${rep.target}: ${s.cases} cases, ${s.PASS} PASS, ${s.FAIL} FAIL, ${s.SKIP} SKIP, ${s.XFAIL} XFAIL, ${s.TIMEOUT} TIMEOUT, ${s.ERROR} ERROR (ran on ${rep.target}: ${s.PASS + s.FAIL + s.TIMEOUT + s.XFAIL + s.ERROR})`);
    if (format) {
      const text = format === 'kcidb' ? kcidb(rep, kcidbOpts!) : render(rep, format, { versionLine: !process.env.KSFT_TAP_LEVEL });
      if (outFile) writeFileSync(outFile, text); else io.out(text.trimEnd());
    }
    return exitStatus(rep.results);
  };
  const jobs = o.jobs ?? 1;
  if (targetName === 'model') {
    const models = Array.from({ length: jobs }, () => new ModelTarget({ nr_cpus: nr, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }));
    return finish(makeReport('model', await runSuite(models, revs, nr, print, only), null));
  }
  const why = KernelTarget.unavailable();
  if (why) return finish(makeReport('kernel', await runSuite(skipAll(why), revs, nr, print, only), null));
  // One worker (and mount namespace) per job; fuse.enable_uring is set once for all of them.
  const ks = Array.from({ length: jobs }, () => new KernelTarget({ keepEnableUring: o['keep-enable-uring'] }));
  // Every step has its own deadline; this bounds the whole suite in case a reply is ever lost.
  const stop = watchdog(900, 'furc run', () => ks.forEach((k) => k.dispose()), io.err);
  try {
    return await withEnableUring(io.err, async () => {
      const fp = await ks[0]!.fingerprint();
      return finish(makeReport('kernel', await runSuite(ks, revs, nr, print, only), fp));
    });
  } finally { stop(); ks.forEach((k) => k.dispose()); }
}

/** A target that cannot run: every revision is unsupported for the same reason. */
function skipAll(reason: string): Target {
  return {
    name: 'kernel', info: async () => ({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: false, CAP_IPC_LOCK: false } }),
    unsupported: async () => reason, open: async () => { throw new Error(reason); },
  };
}

export async function probeCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(PROBE, args);
  const why = KernelTarget.unavailable();
  if (why) { io.err(`furc: cannot probe this kernel: ${why}`); return 4; }
  const k = new KernelTarget();
  try {
    const f = await withEnableUring(io.err, () => k.fingerprint());
    if (o.json) io.out(jsonText(f));
    else {
      for (const [key, v] of Object.entries(f)) io.out(`${key.padEnd(26)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
    return 0;
  } finally { k.dispose(); }
}
