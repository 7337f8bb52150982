// `furc race`'s options, as data (commands.ts lists it with the others).
import type { Command } from './args.js';
import { mutantNames } from '../race/mutants.js';

export const RACE = {
  name: 'race', help: 'server threads racing teardown, many times with jittered starts, judged by the model over every ordering; exit 1 on a finding or anything left behind, 4 when the kernel has no FUSE-over-io_uring',
  options: {
    target: { kind: 'enum', values: ['kernel', 'model'], help: 'kernel: run the races; model: list each scenario\'s allowed outcomes (default: model)' },
    revision: { kind: 'enum', values: ['R0', 'R8'], help: 'race the kernel as this revision (default: detected; model: both)' },
    scenario: { kind: 'string', value: 'ID[,ID…]', help: 'only these scenarios (default: every one of the revision; see --target model)' },
    time: { kind: 'int', value: 'SECONDS', min: 1, max: 86_400, help: 'at most this long (default: 60)' },
    iterations: { kind: 'int', value: 'N', min: 1, help: 'at most this many iterations (default: as many as the time allows)' },
    seed: { kind: 'int', value: 'S', help: 'jitter seed (default: from the clock, printed)' },
    from: { kind: 'int', value: 'N', min: 0, help: "number the first iteration N (a finding's replay: its seed, --from its iteration, --iterations 1)" },
    jobs: { kind: 'int', value: 'N', min: 1, max: 64, help: 'race on N workers at once, each in its own mount namespace; iterations numbered as with one (default: 1)' },
    'jitter-us': { kind: 'int', value: 'US', min: 0, max: 1_000_000, help: "bound of each thread's start jitter in µs, stretched by the time scale (default: 200)" },
    out: { kind: 'outDir', value: 'DIR', help: 'save each finding as a corpus file and a C reproducer here' },
    mutant: { kind: 'enum', values: mutantNames(), help: "judge by a deliberately wrong model (the harness's own test)" },
    'inject-stall': { kind: 'enum', values: ['client'], help: 'client: hold the teardown abort back until clients are waited for (a hang the bound must catch)' },
    json: { kind: 'flag', help: 'print the summary as JSON' },
  },
} as const satisfies Command;
