// Every furc command's arguments, as data: the parser reads argv against these, and usage and --help are printed from them.
import { REVISIONS } from '../../spec/types.js';
import { FORMATS } from '../report/report.js';
import { RACE } from './raceCommand.js';
import type { Command } from './args.js';

const TARGETS = ['kernel', 'model'] as const;
const revision = (help: string) => ({ kind: 'enum', values: REVISIONS, help }) as const;
const json = { kind: 'flag', help: 'print JSON instead of tables' } as const;
const header = { kind: 'string', value: 'FILE', help: "a kernel's include/uapi/linux/fuse.h: its values replace the assumptions" } as const;

export const SPEC = {
  name: 'spec', help: 'constants, layouts and rule tables of the UAPI revisions',
  options: { revision: revision('only this revision (default: all)'), header, assumptions: { kind: 'flag', help: 'list every assumption, its value and reason' }, json },
} as const satisfies Command;

export const SPEC_DIFF = {
  name: 'spec diff', help: 'what changed between two revisions',
  positionals: { names: ['A', 'B'] }, options: { header, json },
} as const satisfies Command;

export const PROBE = { name: 'probe', help: "this kernel's fingerprint: FUSE minor, INIT flags, enable_uring, cmd_ops, max_payload_sz, revision", options: { json } } as const satisfies Command;

export const RUN = {
  name: 'run', help: 'the conformance suite: PASS/FAIL/SKIP(reason)/XFAIL/TIMEOUT per rule; exit 0 pass, 1 any FAIL or TIMEOUT, 4 only SKIPs',
  options: {
    target: { kind: 'enum', values: TARGETS, help: 'where the suite runs (default: model)' },
    revision: revision('only this revision (default: all)'),
    format: { kind: 'enum', values: FORMATS, help: 'write a report in this format (to stdout without --out)' },
    out: { kind: 'outFile', value: 'FILE', help: 'where the report goes' },
    json: { kind: 'flag', help: 'the same as --format json' },
    'keep-enable-uring': { kind: 'flag', help: 'leave fuse.enable_uring as it is instead of turning it on per case' },
  },
} as const satisfies Command;

export const LAYOUT = {
  name: 'layout', help: 'drift between a kernel header and a spec revision, and the assumptions the header settles',
  options: { header: { ...header, required: true }, revision: revision('the revision to compare (default: R0)'), json },
} as const satisfies Command;

export const DIFF = {
  name: 'diff', help: 'behaviour difference of two reports; exit 1 on a difference the baseline does not list',
  positionals: { names: ['A.json', 'B.json'] },
  options: {
    baseline: { kind: 'string', value: 'FILE', help: 'expected differences: {"expected": [{"id", "a"?, "b"?, "why"?}]}' },
    summary: { kind: 'flag', help: 'fingerprint rows and one line per outcome group instead of one row per case' },
    json,
  },
} as const satisfies Command;

export const FUZZ = {
  name: 'fuzz', help: 'differential fuzzing of a target against the model; exit 1 on a solid finding',
  options: {
    target: { kind: 'enum', values: TARGETS, help: 'what is fuzzed against the model (default: model)' },
    revision: revision('the revision (default: R0)'),
    seed: { kind: 'int', value: 'S', help: 'fast-check seed (default: from the clock, printed)' },
    runs: { kind: 'int', value: 'N', help: 'at most this many cases (default: 1000)' },
    time: { kind: 'int', value: 'SECONDS', help: 'at most this long (default: 60)' },
    out: { kind: 'outDir', value: 'DIR', help: 'save each finding as a corpus file and a C reproducer here' },
    format: { kind: 'enum', values: FORMATS, help: 'also write the run as a report in this format (with --report)' },
    report: { kind: 'outFile', value: 'FILE', help: 'where that report goes (with --format)' },
  },
} as const satisfies Command;

export const REPLAY = {
  name: 'replay', help: 're-run corpus files (default: fixtures/regressions/*.json)',
  positionals: { names: ['FILE'], variadic: true }, options: {},
} as const satisfies Command;

export const VM = {
  name: 'vm', help: 'furc inside a QEMU guest of a kernel image; exit 3 when the guest could not run it',
  tail: '-- <furc arguments>',
  options: {
    kernel: { kind: 'string', value: 'IMAGE', help: 'bzImage or vmlinux to boot', required: true },
    modules: { kind: 'string', value: 'DIR', help: "the image's lib/modules/<release>, when virtio-pci, 9p or fuse are modules" },
    timeout: { kind: 'int', value: 'S', min: 10, max: 86_400, help: 'bound on the whole run (default: 600)' },
    mem: { kind: 'int', value: 'MIB', min: 256, max: 65_536, help: 'guest memory (default: 1024)' },
    accel: { kind: 'enum', values: ['auto', 'kvm', 'tcg'], help: 'auto tries KVM, then TCG (default: auto)' },
    log: { kind: 'outFile', value: 'FILE', default: 'furc-vm.log', help: "the guest's console and dmesg (default: furc-vm.log)" },
    'guest-setup': { kind: 'string', value: 'CMD', help: 'a shell command run in the guest before furc' },
    'time-scale': { kind: 'int', value: 'N', min: 1, max: 100, help: 'stretch settle windows and deadlines in the guest (default: 10 under TCG)' },
    verbose: { kind: 'flag', help: 'echo the console as it arrives' },
  },
} as const satisfies Command;

/** In the order `furc --help` lists them. */
export const COMMANDS = [SPEC, SPEC_DIFF, PROBE, RUN, LAYOUT, DIFF, FUZZ, REPLAY, RACE, VM] as const;

/** The declaration `furc <argv>` is read against (`spec diff` is its own command), or null for an unknown command. */
export function commandOf(argv: readonly string[]): { cmd: Command; args: readonly string[] } | null {
  const [name, ...rest] = argv;
  if (name === 'spec' && rest[0] === 'diff') return { cmd: SPEC_DIFF, args: rest.slice(1) };
  const cmd = COMMANDS.find((c) => c.name === name);
  return cmd ? { cmd, args: rest } : null;
}
