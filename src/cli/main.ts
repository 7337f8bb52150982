// furc's dispatcher: every failure is one line on stderr and exit 2.
import { UsageError } from '../../spec/errors.js';
import { diffCommand } from './diff.js';
import { fuzzCommand, replayCommand } from './fuzz.js';
import { layoutCommand } from './layout.js';
import { runCommand, probeCommand } from './run.js';
import { specCommand } from './spec.js';
import { vmCommand, VM_USAGE } from './vm.js';
import { TIME_SCALE_ERROR } from '../kernel/timeScale.js';

export const USAGE = `usage: furc spec [--revision R] [--header fuse.h] [--json]
       furc spec diff <A> <B> [--json]
       furc spec --assumptions [--json]
       furc probe [--json]
       furc run --target kernel|model [--revision R] [--format ktap|junit|json] [--out FILE] [--keep-enable-uring]
       furc layout --header <fuse.h> [--revision R] [--json]
       furc diff A.json B.json [--baseline expected.json] [--summary] [--json]
       furc fuzz --target kernel|model [--revision R] [--seed S] [--runs N] [--time SECONDS] [--out DIR]
       furc replay [corpus files…]
       ${VM_USAGE}`;

// Bad input of any kind (revision, assumption, header, report, corpus file, argument) extends this one class.
export { UsageError };

export interface Io { out: (s: string) => void; err: (s: string) => void }

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...args] = argv;
  if (TIME_SCALE_ERROR) { io.err(`furc: ${TIME_SCALE_ERROR}`); return 2; }
  try {
    switch (cmd) {
      case 'spec': return await specCommand(args, io.out);
      case 'run': return await runCommand(args, io);
      case 'probe': return await probeCommand(args, io);
      case 'layout': return await layoutCommand(args, io);
      case 'diff': return diffCommand(args, io);
      case 'fuzz': return await fuzzCommand(args, io);
      case 'replay': return await replayCommand(args, io);
      case 'vm': return await vmCommand(args, io);
      case undefined: case '-h': case '--help': io.out(USAGE); return cmd === undefined ? 2 : 0;
      default: throw new UsageError(`unknown command '${cmd}' (try: furc --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`furc: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
