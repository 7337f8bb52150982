// `furc run` and `furc probe`: the conformance suite and the capability fingerprint of this kernel.
import { cpus } from '../kernel/detect.js';
import { KernelTarget } from '../kernel/kernelTarget.js';
import { ModelTarget } from '../target/modelTarget.js';
import type { Target } from '../target/target.js';
import { writeFileSync } from 'node:fs';
import { exitStatus, failing, runSuite, showVerdict, type CaseResult } from '../conformance/suite.js';
import { jsonText } from '../report/json.js';
import { FORMATS, makeReport, render, type Format, type RunReport } from '../report/report.js';
import { isRevisionId } from '../../spec/revisions.js';
import { REVISIONS, type RevisionId } from '../../spec/types.js';
import { withEnableUring } from './kernelRun.js';
import { watchdog } from './watchdog.js';
import { UsageError } from '../../spec/errors.js';
import type { Io } from './main.js';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

export async function runCommand(args: string[], io: Io): Promise<number> {
  const valued = new Set(['--target', '--revision', '--format', '--out']);
  const flags = new Set(['--json', '--keep-enable-uring']);
  for (let i = 0; i < args.length; i++) {
    if (flags.has(args[i]!)) continue;
    if (!valued.has(args[i]!)) throw new UsageError(`unknown argument '${args[i]}' (usage: furc run --target kernel|model [--revision R] [--format ktap|junit|json] [--out FILE] [--keep-enable-uring])`);
    i++;
  }
  const targetName = option(args, '--target') ?? 'model';
  if (targetName !== 'kernel' && targetName !== 'model') throw new UsageError(`unknown target '${targetName}' (known: kernel, model)`);
  const r = option(args, '--revision');
  if (r !== undefined && !isRevisionId(r)) throw new UsageError(`unknown revision '${r}' (known: ${REVISIONS.join(', ')})`);
  const format = option(args, '--format') ?? (args.includes('--json') ? 'json' : undefined);
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format '${format}' (known: ${FORMATS.join(', ')})`);
  const outFile = option(args, '--out');
  const revs: RevisionId[] = r ? [r] : [...REVISIONS];
  const nr = cpus();
  // Lines go to the terminal unless a report takes stdout.
  const live = !(format && !outFile);
  const print = (c: CaseResult) => { if (live) io.out(`${showVerdict(c.verdict).padEnd(6)} ${c.revision} ${c.rule}  [${c.family}]${failing(c.verdict) ? `\n       replay: ${c.replay}` : ''}`); };
  const finish = (rep: RunReport): number => {
    const s = rep.summary;
    if (live) io.out(`# ${rep.target}: ${s.cases} cases, ${s.PASS} PASS, ${s.FAIL} FAIL, ${s.SKIP} SKIP, ${s.XFAIL} XFAIL, ${s.TIMEOUT} TIMEOUT, ${s.ERROR} ERROR (ran on ${rep.target}: ${s.PASS + s.FAIL + s.TIMEOUT + s.XFAIL + s.ERROR})`);
    if (format) {
      const text = render(rep, format as Format);
      if (outFile) writeFileSync(outFile, text); else io.out(text.trimEnd());
    }
    return exitStatus(rep.results);
  };
  if (targetName === 'model') {
    const results = await runSuite(new ModelTarget({ nr_cpus: nr, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }), revs, nr, print);
    return finish(makeReport('model', results, null));
  }
  const why = KernelTarget.unavailable();
  if (why) return finish(makeReport('kernel', await runSuite(skipAll(why), revs, nr, print), null));
  const k = new KernelTarget({ keepEnableUring: args.includes('--keep-enable-uring') });
  // Every step has its own deadline; this bounds the whole suite in case a reply is ever lost.
  const stop = watchdog(900, 'furc run', () => k.dispose(), io.err);
  try {
    return await withEnableUring(io.err, async () => {
      const fp = await k.fingerprint();
      return finish(makeReport('kernel', await runSuite(k, revs, nr, print), fp));
    });
  } finally { stop(); k.dispose(); }
}

/** A target that cannot run: every revision is unsupported for the same reason. */
function skipAll(reason: string): Target {
  return {
    name: 'kernel', info: async () => ({ nr_cpus: cpus(), caps: { CAP_SYS_ADMIN: false, CAP_IPC_LOCK: false } }),
    unsupported: async () => reason, open: async () => { throw new Error(reason); },
  };
}

export async function probeCommand(args: string[], io: Io): Promise<number> {
  for (const a of args) if (a !== '--json') throw new UsageError(`unknown argument '${a}' (usage: furc probe [--json])`);
  const why = KernelTarget.unavailable();
  if (why) { io.err(`furc: cannot probe this kernel: ${why}`); return 4; }
  const k = new KernelTarget();
  try {
    const f = await withEnableUring(io.err, () => k.fingerprint());
    if (args.includes('--json')) io.out(jsonText(f));
    else {
      for (const [key, v] of Object.entries(f)) io.out(`${key.padEnd(26)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
    return 0;
  } finally { k.dispose(); }
}
