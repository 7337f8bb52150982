// `furc run` and `furc probe`: the conformance suite and the capability fingerprint of this kernel.
import { cpus } from '../kernel/detect.js';
import { KernelTarget } from '../kernel/kernelTarget.js';
import { ModelTarget } from '../target/modelTarget.js';
import type { Target } from '../target/target.js';
import { exitStatus, runSuite, showVerdict, type CaseResult } from '../conformance/suite.js';
import { isRevisionId } from '../../spec/revisions.js';
import { REVISIONS, type RevisionId } from '../../spec/types.js';
import { withEnableUring } from './kernelRun.js';
import { UsageError } from './spec.js';
import type { Io } from './main.js';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2);

export async function runCommand(args: string[], io: Io): Promise<number> {
  const known = new Set(['--target', '--revision', '--json']);
  for (let i = 0; i < args.length; i++) {
    if (!known.has(args[i]!)) throw new UsageError(`unknown argument '${args[i]}' (usage: furc run --target kernel|model [--revision R] [--json])`);
    if (args[i] !== '--json') i++;
  }
  const targetName = option(args, '--target') ?? 'model';
  if (targetName !== 'kernel' && targetName !== 'model') throw new UsageError(`unknown target '${targetName}' (known: kernel, model)`);
  const r = option(args, '--revision');
  if (r !== undefined && !isRevisionId(r)) throw new UsageError(`unknown revision '${r}' (known: ${REVISIONS.join(', ')})`);
  const revs: RevisionId[] = r ? [r] : [...REVISIONS];
  const asJson = args.includes('--json');
  const nr = cpus();
  const print = (c: CaseResult) => { if (!asJson) io.out(`${showVerdict(c.verdict).padEnd(6)} ${c.revision} ${c.rule}  [${c.family}]${c.verdict.kind === 'FAIL' || c.verdict.kind === 'TIMEOUT' ? `\n       replay: ${c.replay}` : ''}`); };
  const go = async (t: Target) => {
    const results = await runSuite(t, revs, nr, print);
    const count = (k: string) => results.filter((x) => x.verdict.kind === k).length;
    const summary = { target: t.name, cases: results.length, pass: count('PASS'), fail: count('FAIL'), skip: count('SKIP'), xfail: count('XFAIL'), timeout: count('TIMEOUT') };
    if (asJson) io.out(json({ summary, results }));
    else io.out(`# ${t.name}: ${summary.cases} cases, ${summary.pass} PASS, ${summary.fail} FAIL, ${summary.skip} SKIP, ${summary.xfail} XFAIL, ${summary.timeout} TIMEOUT (ran on ${t.name}: ${summary.pass + summary.fail + summary.timeout})`);
    return exitStatus(results);
  };
  if (targetName === 'model') return go(new ModelTarget({ nr_cpus: nr, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } }));
  const why = KernelTarget.unavailable();
  if (why) {
    const results = await runSuite(skipAll(why), revs, nr, print);
    if (asJson) io.out(json({ summary: { target: 'kernel', cases: results.length, skip: results.length }, results }));
    else io.out(`# kernel: ${results.length} cases, all SKIP(${why})`);
    return exitStatus(results);
  }
  const k = new KernelTarget();
  try { return await withEnableUring(io.err, () => go(k)); } finally { k.dispose(); }
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
    if (args.includes('--json')) io.out(json(f));
    else {
      for (const [key, v] of Object.entries(f)) io.out(`${key.padEnd(26)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
    return 0;
  } finally { k.dispose(); }
}
