// `furc matrix-guest`: what furc matrix runs inside each guest: the suite, then a fixed-seed fuzz of the revision the suite found.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { isRevisionId } from '../../spec/revisions.js';
import type { Io } from '../cli/main.js';
import { UsageError } from '../../spec/errors.js';
import { FURC_JS } from '../vm/vm.js';
import { sharedNodeFlags } from '../nodeFlags.js';
import { parse, usageLine } from '../cli/args.js';
import { MATRIX_GUEST } from '../cli/commands.js';

export interface Step { readonly name: string; readonly status: number | null; readonly seconds: number; readonly skipped?: string }

/** The files a guest leaves in its directory for the host: these names are the contract with the matrix runner. */
export const GUEST_FILES = { steps: 'steps.json', suite: 'suite.json', fuzz: 'fuzz.json', corpus: 'corpus' } as const;

/** One furc command as a child, output into <name>.out/.err; steps.json is rewritten after each, so a later hang keeps earlier results. */
async function step(name: string, argv: readonly string[], done: Step[]): Promise<Step> {
  const t0 = Date.now();
  const out = openSync(`${name}.out`, 'w'), err = openSync(`${name}.err`, 'w');
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [...sharedNodeFlags(), FURC_JS, ...argv], { stdio: ['ignore', out, err] });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  closeSync(out); closeSync(err);
  const s = { name, status, seconds: Math.round((Date.now() - t0) / 100) / 10 };
  done.push(s);
  writeFileSync(GUEST_FILES.steps, JSON.stringify(done, null, 2) + '\n');
  return s;
}

export async function guestCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(MATRIX_GUEST, args);
  if (o.seed === undefined || o['fuzz-runs'] === undefined || o['fuzz-time'] === undefined) throw new UsageError(`usage: ${usageLine(MATRIX_GUEST)}`);
  if (process.env.FURC_IN_VM !== '1') { io.err('furc: matrix-guest runs inside a furc vm guest only (it drives this machine\'s FUSE)'); return 2; }
  const done: Step[] = [];
  await step('suite', ['run', '--target', 'kernel', '--format', 'json', '--out', GUEST_FILES.suite], done);
  if (o['fuzz-runs'] === 0) return 0;
  const rev = existsSync(GUEST_FILES.suite) ? (JSON.parse(readFileSync(GUEST_FILES.suite, 'utf8')) as { fingerprint?: { revision?: string } }).fingerprint?.revision : undefined;
  if (!rev || !isRevisionId(rev)) {
    done.push({ name: 'fuzz', status: null, seconds: 0, skipped: `the kernel implements no revision to fuzz (it reports ${rev ?? 'no fingerprint'})` });
    writeFileSync(GUEST_FILES.steps, JSON.stringify(done, null, 2) + '\n');
    return 0;
  }
  await step('fuzz', ['fuzz', '--target', 'kernel', '--revision', rev, '--seed', String(o.seed), '--runs', String(o['fuzz-runs']),
    '--time', String(o['fuzz-time']), '--format', 'json', '--report', GUEST_FILES.fuzz, '--out', GUEST_FILES.corpus], done);
  return 0;
}
