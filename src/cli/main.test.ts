// furc's command line: outputs, one-line errors and exit statuses.
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

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
    [['spec', 'diff', 'R0'], 'furc: usage: furc spec diff <A> <B> [--json]'],
    [['spec', '--bogus'], "furc: unknown argument '--bogus' (usage: furc spec [--revision R] [--json] | diff A B | --assumptions)"],
    [['frobnicate'], "furc: unknown command 'frobnicate' (try: furc --help)"],
    [['run', '--target', 'vm'], "furc: unknown target 'vm' (known: kernel, model)"],
    [['run', '--revision'], 'furc: --revision needs a value'],
    [['probe', '--verbose'], "furc: unknown argument '--verbose' (usage: furc probe [--json])"],
    [['vm', '--kernel', 'k'], "furc: furc vm needs the furc arguments to run inside after '--' (usage: furc vm --kernel IMAGE [--modules DIR] [--timeout S] [--mem MIB] [--accel auto|kvm|tcg] [--log FILE] [--guest-setup CMD] [--time-scale N] [--verbose] -- <furc arguments>)"],
    [['vm', '--kernel', 'k', '--mem', '12', '--', 'probe'], 'furc: --mem 12: want an integer in 256..65536'],
    [['vm', '--kernel', 'k', '--', 'vm', '--kernel', 'k'], 'furc: furc vm cannot run furc vm inside the guest'],
    [['layout', '--header', '/nonexistent/fuse.h'], 'furc: header not found: /nonexistent/fuse.h'],
    [['vm', '--kernel', 'k', '--', 'run', '--out', '/nonexistent/r.json'], `furc: --out /nonexistent/r.json: inside furc vm only the current directory (${process.cwd()}) is writable; give a path under it`],
  ])('should answer %j with one line on stderr and exit 2', async (argv, line) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([line]);
  });
});
