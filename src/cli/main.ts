// furc's dispatcher: every failure is one line on stderr and exit 2.
import { UsageError } from '../../spec/errors.js';
import { helpText, usageLine } from './args.js';
import { commandOf, COMMANDS } from './commands.js';
import { diffCommand } from './diff.js';
import { fuzzCommand, replayCommand } from './fuzz.js';
import { layoutCommand } from './layout.js';
import { raceCommand } from './race.js';
import { runCommand, probeCommand } from './run.js';
import { specCommand } from './spec.js';
import { vmCommand } from './vm.js';
import { kernelBuildCommand } from './kernel.js';
import { kmutantsCommand } from './kmutants.js';
import { matrixCommand } from './matrix.js';
import { mergeCommand } from './merge.js';
import { guestCommand } from '../matrix/guest.js';
import { TIME_SCALE_ERROR } from '../kernel/timeScale.js';

export const USAGE = `usage: ${COMMANDS.map(usageLine).join('\n       ')}\n(furc <command> --help explains each option)`;

// Bad input of any kind (revision, assumption, header, report, corpus file, argument) extends this one class.
export { UsageError };

export interface Io { out: (s: string) => void; err: (s: string) => void }

/** --help or -h among a command's own arguments (for furc vm: before its `--`). */
const wantsHelp = (args: readonly string[]) => { const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args; return own.includes('--help') || own.includes('-h'); };

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...args] = argv;
  if (TIME_SCALE_ERROR) { io.err(`furc: ${TIME_SCALE_ERROR}`); return 2; }
  try {
    const known = commandOf(argv);
    if (known && wantsHelp(known.args)) { io.out(helpText(known.cmd)); return 0; }
    switch (cmd) {
      case 'spec': return await specCommand(args, io.out);
      case 'run': return await runCommand(args, io);
      case 'probe': return await probeCommand(args, io);
      case 'layout': return await layoutCommand(args, io);
      case 'diff': return diffCommand(args, io);
      case 'fuzz': return await fuzzCommand(args, io);
      case 'replay': return await replayCommand(args, io);
      case 'race': return await raceCommand(args, io);
      case 'vm': return await vmCommand(args, io);
      case 'kernel': if (args[0] === 'build') return await kernelBuildCommand(args.slice(1), io);
        throw new UsageError(`unknown command 'kernel ${args[0] ?? ''}' (known: kernel build)`);
      case 'kmutants': return await kmutantsCommand(args, io);
      case 'matrix': return await matrixCommand(args, io);
      case 'merge': return await mergeCommand(args, io);
      case 'matrix-guest': return await guestCommand(args, io);
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
