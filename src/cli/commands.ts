// Every furc command's arguments, as data: the parser reads argv against these, and usage and --help are printed from them.
import { REVISIONS } from '../../spec/types.js';
import { FORMATS } from '../report/report.js';
import { RACE } from './raceCommand.js';
import type { Command } from './args.js';
import { DEBIAN_SOURCES } from '../kbuild/debian.js';
import { DEBUG_KINDS } from '../kbuild/fragments.js';

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
    format: { kind: 'enum', values: [...FORMATS, 'kcidb'], help: 'write a report in this format (to stdout without --out)' },
    out: { kind: 'outFile', value: 'FILE', help: 'where the report goes' },
    json: { kind: 'flag', help: 'the same as --format json' },
    'build-id': { kind: 'string', value: 'ORIGIN:ID', help: 'with --format kcidb: the KCIDB id of the kernel build under test' },
    origin: { kind: 'string', value: 'ORIGIN', help: "with --format kcidb: the KCIDB origin you submit as (default: the build id's)" },
    'keep-enable-uring': { kind: 'flag', help: 'leave fuse.enable_uring as it is instead of turning it on per case' },
    only: { kind: 'string', value: 'GLOB', help: "only the cases whose id (as reports name them) matches, e.g. 'R8/data.commit_and_fetch.zero_copy/*'" },
    jobs: { kind: 'int', value: 'N', min: 1, max: 64, help: 'run cases on N workers at once, results in suite order (default: 1)' },
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
    shard: { kind: 'string', value: 'i/N', help: 'fuzz as shard i of N: seed S+i-1 (needs --seed)' },
    runs: { kind: 'int', value: 'N', help: 'at most this many cases (default: 1000)' },
    time: { kind: 'int', value: 'SECONDS', help: 'at most this long (default: 60)' },
    jobs: { kind: 'int', value: 'N', min: 1, max: 64, help: 'fuzz with N workers at once, seeds seed+i*1000003, findings merged (default: 1)' },
    steer: { kind: 'enum', values: ['on', 'off'], help: 'steer generation toward rule rows not yet hit (default: on)' },
    out: { kind: 'outDir', value: 'DIR', help: 'save each finding as a corpus file and a C reproducer here' },
    format: { kind: 'enum', values: FORMATS, help: 'also write the run as a report in this format (with --report)' },
    report: { kind: 'outFile', value: 'FILE', help: 'where that report goes (with --format)' },
  },
} as const satisfies Command;

export const REPLAY = {
  name: 'replay', help: 're-run corpus files (default: fixtures/regressions/*.json)',
  positionals: { names: ['FILE'], variadic: true }, options: {},
} as const satisfies Command;

/** Where a kernel comes from and what goes into it: furc kernel build, furc vm and furc kmutants read these alike. */
const BUILD = {
  source: { kind: 'string', value: 'DIR', help: 'a kernel source tree without an in-tree build' },
  debian: { kind: 'enum', values: Object.keys(DEBIAN_SOURCES), help: "Debian's linux-source package of that series, checked against the archive's signed index" },
  patch: { kind: 'list', value: 'FILE', help: 'a git format-patch file, an mbox or a plain diff, applied in the order given' },
  debug: { kind: 'list', value: 'KIND', help: `add kconfig/debug-KIND.config (${DEBUG_KINDS.join(', ')})` },
} as const;

export const KERNEL_BUILD = {
  name: 'kernel build', help: 'a minimal QEMU kernel from a source tree and a patch series, built out of tree and cached by its inputs; prints the image path (exit 1 on a compile error)',
  options: {
    ...BUILD,
    jobs: { kind: 'int', value: 'N', min: 1, max: 256, help: 'make -j (default: 2)' },
    json: { kind: 'flag', help: 'print what was built as JSON instead of the path' },
    verbose: { kind: 'flag', help: "echo make's output" },
  },
} as const satisfies Command;

export const KMUTANTS = {
  name: 'kmutants', help: "the kernel's FUSE-over-io_uring code mutated (src/kmutants/list.ts), each mutant built, booted, run through the suite, a fixed-seed fuzz and furc race: the kernel mutation score",
  options: {
    ...BUILD,
    only: { kind: 'string', value: 'ID,…', help: 'just these mutants' },
    list: { kind: 'flag', help: 'list the mutants and stop' },
    jobs: { kind: 'int', value: 'N', min: 1, max: 16, help: 'guests side by side (default: 1: build, boot, build, boot)' },
    'build-jobs': { kind: 'int', value: 'N', min: 1, max: 256, help: 'make -j (default: 2)' },
    seed: { kind: 'int', value: 'S', help: 'the fuzz seed (default: 20261121, as CI)' },
    'fuzz-runs': { kind: 'int', value: 'N', min: 1, max: 100_000, help: 'fuzz cases per guest (default: 30)' },
    'fuzz-time': { kind: 'int', value: 'SECONDS', min: 5, max: 86_400, help: 'fuzz time bound per guest (default: 60)' },
    'race-time': { kind: 'int', value: 'SECONDS', min: 0, max: 86_400, help: 'furc race time bound per guest, 0 for none (default: 30)' },
    'guest-timeout': { kind: 'int', value: 'S', min: 60, max: 86_400, help: 'a guest past this is a hang (default: 3x the slowest baseline guest, 4..30 min)' },
    accel: { kind: 'enum', values: ['auto', 'kvm', 'tcg'], help: 'as furc vm (default: auto)' },
    out: { kind: 'outFile', value: 'FILE', help: 'the results as JSON' },
  },
} as const satisfies Command;

export const VM = {
  name: 'vm', help: 'furc inside a QEMU guest of a kernel image; exit 3 when the guest could not run it',
  tail: '-- <furc arguments>',
  options: {
    kernel: { kind: 'string', value: 'IMAGE', help: 'bzImage or vmlinux to boot (or build one with --source or --debian)' },
    ...BUILD,
    modules: { kind: 'string', value: 'DIR', help: "the image's lib/modules/<release>, when virtio-pci, 9p or fuse are modules" },
    timeout: { kind: 'int', value: 'S', min: 10, max: 86_400, help: 'bound on the whole run (default: 600)' },
    mem: { kind: 'int', value: 'MIB', min: 256, max: 65_536, help: 'guest memory (default: 1024)' },
    accel: { kind: 'enum', values: ['auto', 'kvm', 'tcg'], help: 'auto tries KVM, then TCG (default: auto)' },
    log: { kind: 'outFile', value: 'FILE', default: 'furc-vm.log', help: "the guest's console and dmesg (default: furc-vm.log)" },
    'guest-setup': { kind: 'string', value: 'CMD', help: 'a shell command run in the guest before furc' },
    'time-scale': { kind: 'int', value: 'N', min: 1, max: 100, help: 'stretch settle windows and deadlines in the guest (default: 10 under TCG)' },
    standalone: { kind: 'flag', help: 'boot the packed executable (npm run package) on an initramfs root: no 9p, no node' },
    binary: { kind: 'string', value: 'FILE', help: 'the executable --standalone boots (default: dist/furc-<version>-<arch>, or this one when packed)' },
    verbose: { kind: 'flag', help: 'echo the console as it arrives' },
  },
} as const satisfies Command;

export const MATRIX = {
  name: 'matrix', help: 'the suite and a fixed-seed fuzz in one furc vm guest per kernel build, written as one timeline; exit 1 on an unexpected change or a build without results',
  options: {
    debian: { kind: 'string', value: 'SUITE[:GLOB][,GLOB…]', help: "builds from Debian's signed archive, e.g. trixie-backports:7.2.* or trixie-backports:6.17.13,6.18.5,sid" },
    kernels: { kind: 'string', value: 'FILE', help: 'your own builds, one per line: LABEL IMAGE [modules=DIR] [header=fuse.h], or LABEL report=FILE (a build run elsewhere)' },
    shard: { kind: 'string', value: 'i/N', help: 'run only shard i of N of the builds; furc merge joins the shards' },
    jobs: { kind: 'int', value: 'N', min: 1, max: 64, help: 'guests at once (default: one per two cores, within free memory)' },
    out: { kind: 'outDir', value: 'DIR', default: 'furc-matrix', help: 'timeline.json, timeline.junit.xml, timeline.html, logs/ and corpus/ (default: furc-matrix)' },
    baseline: { kind: 'string', value: 'FILE', help: 'expected changes: {"expected": [{"id", "a"?, "b"?, "to"?, "why"?}]}, with * globs' },
    seed: { kind: 'int', value: 'S', help: 'the fuzz seed, the same in every build (default: 20261130)' },
    'fuzz-runs': { kind: 'int', value: 'N', min: 0, max: 100_000, help: 'fuzz cases per build, 0 for none (default: 25)' },
    'fuzz-time': { kind: 'int', value: 'S', min: 1, max: 86_400, help: 'bound on each fuzz run (default: 600)' },
    timeout: { kind: 'int', value: 'S', min: 10, max: 86_400, help: 'bound on each guest (default: 2400)' },
    mem: { kind: 'int', value: 'MIB', min: 256, max: 65_536, help: 'guest memory (default: 1024)' },
    accel: { kind: 'enum', values: ['auto', 'kvm', 'tcg'], help: 'auto decides once per run from a remembered or one short KVM trial (default: auto)' },
    'cache-max': { kind: 'string', value: 'SIZE', help: 'bound on the kernel cache, e.g. 8G (default: 8G)' },
    list: { kind: 'flag', help: 'print the builds and which of them this shard runs, then stop' },
    prune: { kind: 'flag', help: 'trim the kernel cache to --cache-max and remove leftovers, then stop' },
  },
} as const satisfies Command;

export const MERGE = {
  name: 'merge', help: 'shard outputs joined: timelines into the one an unsharded run writes, corpora into one deduplicated corpus; exit 1 as furc matrix',
  positionals: { names: ['SHARD-OUTPUT'], variadic: true },
  options: {
    out: { kind: 'outDir', value: 'DIR', default: 'furc-merged', help: 'where the merged timeline and corpus go (default: furc-merged)' },
    baseline: { kind: 'string', value: 'FILE', help: "judge the joined timeline by this baseline instead of the shards' own" },
  },
} as const satisfies Command;

export const MATRIX_GUEST = {
  name: 'matrix-guest', help: 'what furc matrix runs inside each guest: the suite, then a fuzz of the revision it found (refused outside a guest)',
  options: {
    seed: { kind: 'int', value: 'S', help: 'the fuzz seed' },
    'fuzz-runs': { kind: 'int', value: 'N', help: 'fuzz cases, 0 for none' },
    'fuzz-time': { kind: 'int', value: 'S', help: 'bound on the fuzz run' },
  },
} as const satisfies Command;

/** In the order `furc --help` lists them. */
export const COMMANDS = [SPEC, SPEC_DIFF, PROBE, RUN, LAYOUT, DIFF, FUZZ, REPLAY, RACE, VM, KERNEL_BUILD, KMUTANTS, MATRIX, MERGE, MATRIX_GUEST] as const;

/** The declaration `furc <argv>` is read against (`spec diff` is its own command), or null for an unknown command. */
export function commandOf(argv: readonly string[]): { cmd: Command; args: readonly string[] } | null {
  const [name, ...rest] = argv;
  if (name === 'spec' && rest[0] === 'diff') return { cmd: SPEC_DIFF, args: rest.slice(1) };
  if (name === 'kernel' && rest[0] === 'build') return { cmd: KERNEL_BUILD, args: rest.slice(1) };
  const cmd = COMMANDS.find((c) => c.name === name);
  return cmd ? { cmd, args: rest } : null;
}
