// furc's command line: outputs, one-line errors and exit statuses.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { COMMANDS } from './commands.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err };
}

describe('furc', () => {
  it('should print R0 with fuse_uring_cmd_req of 24 bytes and the REGISTER rules in order', async () => {
    const r = await run('spec', '--revision', 'R0');
    expect(r.code).toBe(0);
    expect(r.out).toContain('fuse_uring_cmd_req  size=24 align=8');
    expect(r.out.indexOf('register.headers.too_short')).toBeLessThan(r.out.indexOf('register.payload.too_short'));
  });

  it('should emit JSON for R8 whose cmd_req is 40 bytes', async () => {
    const r = await run('spec', '--revision', 'R8', '--json');
    const j = JSON.parse(r.out) as { layouts: { name: string; size: number }[] };
    expect(j.layouts.find((l) => l.name === 'fuse_uring_cmd_req$R8')?.size).toBe(40);
  });

  it('should diff R0 and R8 showing ADD_QUEUE = 0x3 and the moved EAGAIN check', async () => {
    const r = await run('spec', 'diff', 'R0', 'R8');
    expect(r.out).toMatch(/FUSE_IO_URING_CMD_ADD_QUEUE\s+—\s+0x3/);
    expect(r.out).toMatch(/common\.conn\.not_initialized\s+#6 EAGAIN\s+#3 EAGAIN/);
  });

  it('should list every R7 assumption with its reason', async () => {
    const r = await run('spec', '--assumptions', '--json');
    const ids = (JSON.parse(r.out) as { id: string; reason: string }[]).map((a) => a.id);
    expect(ids).toContain('r7.flag.FUSE_URING_ZERO_COPY');
    expect(ids).toContain('r7.errno.zero_copy_without_cap');
  });

  it.each([
    [['spec', '--revision', 'R9'], "furc: unknown revision 'R9' (known: R0, R4, R7, R8)"],
    [['spec', 'diff', 'R0'], 'furc: usage: furc spec diff A B [--header FILE] [--json]'],
    [['spec', '--bogus'], "furc: unknown option '--bogus' (usage: furc spec [--revision R0|R4|R7|R8] [--header FILE] [--assumptions] [--json])"],
    [['spec', '--assumptions', '--revision', 'R7'], 'furc: --assumptions lists the assumptions of every revision: drop --revision'],
    [['frobnicate'], "furc: unknown command 'frobnicate' (try: furc --help)"],
    [['run', '--target', 'vm'], "furc: unknown target 'vm' (known: kernel, model)"],
    [['run', '--revision'], 'furc: --revision needs a value'],
    [['run', '--revision', '--json'], "furc: --revision needs a value, not '--json' (write --revision=--json for a value that starts with '-')"],
    [['run', '--format', 'yaml'], "furc: unknown format 'yaml' (known: ktap, junit, json, kcidb)"],
    [['run', '--json=yes'], 'furc: --json takes no value'],
    [['run', 'R0'], "furc: unexpected argument 'R0' (usage: furc run [--target kernel|model] [--revision R0|R4|R7|R8] [--format ktap|junit|json|kcidb] [--out FILE] [--json] [--build-id ORIGIN:ID] [--origin ORIGIN] [--keep-enable-uring] [--only GLOB] [--jobs N])"],
    [['probe', '--verbose'], "furc: unknown option '--verbose' (usage: furc probe [--json])"],
    [['fuzz', '--runs', 'x'], "furc: --runs takes a whole number, got 'x'"],
    [['fuzz', '--seed', '-1'], "furc: --seed needs a value, not '-1' (write --seed=-1 for a value that starts with '-')"],
    [['fuzz', '--seed=-1'], "furc: --seed takes a whole number, got '-1'"],
    [['fuzz', '--format', 'json'], 'furc: --format and --report go together'],
    [['race', '--jobs', '2'], 'furc: --jobs races on the kernel: it needs --target kernel'],
    [['race', '--target', 'kernel', '--jobs', '0'], "furc: --jobs takes a whole number from 1 to 64, got '0'"],
    [['diff', 'a.json'], 'furc: usage: furc diff A.json B.json [--baseline FILE] [--summary] [--json]'],
    [['layout', '--revision', 'R8'], 'furc: --header FILE is required'],
    [['vm', '--kernel', 'k'], "furc: furc vm needs the furc arguments to run inside after '--' (usage: furc vm [--kernel IMAGE] [--source DIR] [--debian 7.2|7.3] [--patch FILE…] [--debug KIND…] [--modules DIR] [--timeout S] [--mem MIB] [--accel auto|kvm|tcg] [--log FILE] [--guest-setup CMD] [--time-scale N] [--standalone] [--binary FILE] [--verbose] -- <furc arguments>)"],
    [['vm', '--kernel', 'k', '--binary', 'f', '--', 'probe'], 'furc: --binary FILE goes with --standalone (the packed executable to boot)'],
    [['vm', '--kernel', 'k', '--', 'run', '--format', 'kcidb'], 'furc: --format kcidb needs --build-id ORIGIN:ID (the KCIDB id of the kernel build under test)'],
    [['vm', '--kernel', 'k', '--mem', '12', '--', 'probe'], "furc: --mem takes a whole number from 256 to 65536, got '12'"],
    [['vm', '--kernel', 'k', '--accel', 'hvf', '--', 'probe'], "furc: unknown accel 'hvf' (known: auto, kvm, tcg)"],
    [['vm', '--', 'probe'], 'furc: --kernel IMAGE is required (or --source DIR or --debian SERIES, to build one)'],
    [['vm', '--kernel', 'k', '--', 'run', '--runs', '5'], "furc: unknown option '--runs' (usage: furc run [--target kernel|model] [--revision R0|R4|R7|R8] [--format ktap|junit|json|kcidb] [--out FILE] [--json] [--build-id ORIGIN:ID] [--origin ORIGIN] [--keep-enable-uring] [--only GLOB] [--jobs N])"],
    [['vm', '--kernel', 'k', '--', 'vm', '--kernel', 'k'], 'furc: furc vm cannot run furc vm inside the guest'],
    [['layout', '--header', '/nonexistent/fuse.h'], 'furc: header not found: /nonexistent/fuse.h'],
    [['vm', '--kernel', 'k', '--', 'run', '--out', '/nonexistent/r.json'], `furc: --out /nonexistent/r.json: inside furc vm only the current directory (${process.cwd()}) is writable; give a path under it`],
  ])('should answer %j with one line on stderr and exit 2', async (argv, line) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([line]);
  });

  // /proc/sys/kernel/ostype exists and refuses writes even to root; no case runs before the refusal, so stdout stays empty.
  it.each([
    [['run', '--target', 'model', '--format', 'json', '--out', '/nonexistent/dir/x.json'], 'furc: --out /nonexistent/dir/x.json: directory /nonexistent/dir does not exist'],
    [['run', '--target', 'model', '--format', 'json', '--out', '/proc/sys/kernel/ostype'], 'furc: --out /proc/sys/kernel/ostype: not writable (EACCES)'],
    [['run', '--target', 'model', '--format', 'ktap', '--out', '/proc/sys/kernel'], 'furc: --out /proc/sys/kernel: is a directory; give a file name'],
    [['run', '--target', 'model', '--format', 'json', '--out', '/proc/sys/kernel/ostype/r.json'], 'furc: --out /proc/sys/kernel/ostype/r.json: /proc/sys/kernel/ostype is not a directory'],
    [['fuzz', '--target', 'model', '--format', 'junit', '--report', '/nonexistent/r.xml'], 'furc: --report /nonexistent/r.xml: directory /nonexistent does not exist'],
    [['fuzz', '--target', 'model', '--out', '/nonexistent/dir/findings'], 'furc: --out /nonexistent/dir/findings: directory /nonexistent/dir does not exist'],
    [['fuzz', '--target', 'model', '--out', '/proc/sys/kernel/ostype'], 'furc: --out /proc/sys/kernel/ostype: not a directory'],
    [['vm', '--kernel', 'k', '--log', '/nonexistent/vm.log', '--', 'probe'], 'furc: --log /nonexistent/vm.log: directory /nonexistent does not exist'],
    [['vm', '--kernel', 'k', '--', 'fuzz', '--out', '/nonexistent/findings'], `furc: --out /nonexistent/findings: inside furc vm only the current directory (${process.cwd()}) is writable; give a path under it`],
  ])('should refuse the output path in %j before any work, with one line and exit 2', async (argv, line) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([line]);
    expect(r.out).toBe('');
  });

  // Every option of every command that names a file or directory furc writes, read from the declarations.
  const outputs = COMMANDS.flatMap((c) => Object.entries(c.options).filter(([, o]) => o.kind === 'outFile' || o.kind === 'outDir').map(([n]) => [c.name, n] as const));

  it('should find output options on run, fuzz, race, vm, kmutants, matrix and merge, and on no other command', () => {
    expect([...new Set(outputs.map(([c]) => c))].sort()).toEqual(['fuzz', 'kmutants', 'matrix', 'merge', 'race', 'run', 'vm']);
  });

  // Each command's defaults: run, fuzz and race on the model; nothing is booted, built or downloaded before the refusal.
  it.each(outputs)('should refuse furc %s --%s /nonexistent/dir/x before any work, with one line and exit 2', async (name, opt) => {
    const argv = name === 'vm' ? ['vm', '--kernel', 'k', `--${opt}`, '/nonexistent/dir/x', '--', 'probe'] : [name, `--${opt}`, '/nonexistent/dir/x'];
    const r = await run(...argv);
    expect([r.code, r.err, r.out]).toEqual([2, [`furc: --${opt} /nonexistent/dir/x: directory /nonexistent/dir does not exist`], '']);
  });

  // matrix and kmutants boot guests of their own: only what runs in a guest is checked here.
  it.each(outputs.filter(([c]) => !['vm', 'matrix', 'kmutants'].includes(c)))('should refuse furc vm … -- %s --%s nonexistent-dir/x (under the shared directory, but its parent missing) before booting', async (name, opt) => {
    const r = await run('vm', '--kernel', 'k', '--', name, `--${opt}`, 'nonexistent-dir/x');
    expect([r.code, r.err, r.out]).toEqual([2, [`furc: --${opt} nonexistent-dir/x: directory ${process.cwd()}/nonexistent-dir does not exist`], '']);
  });

  it('should name each case on the live line and as the JUnit testcase name by its case id, and in KTAP by the same id in [A-Za-z0-9_-]: R0_register_register-headers-too_short', async () => {
    const live = await run('run', '--target', 'model', '--revision', 'R0');
    const ktap = await run('run', '--target', 'model', '--revision', 'R0', '--format', 'ktap');
    const junit = await run('run', '--target', 'model', '--revision', 'R0', '--format', 'junit');
    expect(live.out.split('\n')).toContain('PASS   R0/register/register.headers.too_short');
    expect(ktap.out.split('\n')).toContainEqual(expect.stringMatching(/^ {4}ok \d+ R0_register_register-headers-too_short$/));
    expect(junit.out.split('\n')).toContain('    <testcase classname="R0 register" name="R0/register/register.headers.too_short"/>');
  });

  it('should run only the 4 cases of R8 deliver.zero_copy with --only \'R8/deliver.zero_copy/*\', each PASS on the model', async () => {
    const r = await run('run', '--target', 'model', '--revision', 'R8', '--only', 'R8/deliver.zero_copy/*');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['deliver.baseline', 'deliver.zero_copy.slot_beyond_table', 'deliver.zero_copy.slot_busy', 'deliver.header.fault']
      .map((rule) => `PASS   R8/deliver.zero_copy/${rule}`));
  });

  it('should write the R0 model report to a new file in an existing directory and exit 0', async () => {
    const dir = mkdtempSync(`${tmpdir()}/furc-cli-`);
    try {
      const r = await run('run', '--target', 'model', '--revision', 'R0', '--format', 'json', '--out', `${dir}/r.json`);
      expect(r.code).toBe(0);
      expect((JSON.parse(readFileSync(`${dir}/r.json`, 'utf8')) as { summary: { FAIL: number } }).summary.FAIL).toBe(0);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('should explain every option of furc fuzz on --help, one line each, and exit 0', async () => {
    const r = await run('fuzz', '--help');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('usage: furc fuzz [--target kernel|model] [--revision R0|R4|R7|R8] [--seed S] [--shard i/N] [--runs N] [--time SECONDS] [--jobs N] [--steer on|off] [--out DIR] [--format ktap|junit|json] [--report FILE]');
    expect(lines.filter((l) => /^  --/.test(l))).toHaveLength(11);
    expect(lines).toContainEqual(expect.stringMatching(/^  --runs N +at most this many cases \(default: 1000\)$/));
  });
});
