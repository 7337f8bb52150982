// Building and booting real kernels: minutes each, so only with FURC_BUILD_TESTS=1 (they SKIP with that reason otherwise).
import { execa, execaSync } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffReports, loadReport } from '../report/diff.js';
import { findBusybox } from '../vm/tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FURC = `${ROOT}dist/src/cli/furc.js`;
const DEB7212 = `${ROOT}fixtures/kernels/7.2.12+deb13-amd64.json`;
// Made only when the tests run: a skipped describe runs no hooks, so a directory made up here would outlive every run.
let work = '';

const hasQemu = (() => { try { return execaSync('qemu-system-x86_64', ['--version']).exitCode === 0; } catch { return false; } })();
const why = process.env.FURC_BUILD_TESTS !== '1' ? 'FURC_BUILD_TESTS=1 is not set: these tests build Debian 7.2.13 (up to 10 min cold) and boot it'
  : process.getuid?.() !== 0 ? 'not root: the guest shares / over 9p with security_model=none'
  : !hasQemu ? 'qemu-system-x86_64 missing: apt-get install qemu-system-x86'
  : !findBusybox() ? 'static busybox missing: apt-get install busybox-static' : null;

const furc = (args: string[], timeout = 900_000) => execa(process.execPath, [FURC, ...args], { cwd: work, reject: false, timeout });

/** A one-line change of fs/fuse/dev_uring.c that changes nothing a test can see: a pr_info text, new on every run. */
const oneLine = (tag: string) => `Subject: [PATCH] fuse: reword the qid message

--- a/fs/fuse/dev_uring.c
+++ b/fs/fuse/dev_uring.c
@@ -1189,3 +1189,3 @@
 \tif (qid >= ring->nr_queues) {
-\t\tpr_info_ratelimited("fuse: Invalid ring qid %u\\n", qid);
+\t\tpr_info_ratelimited("fuse: invalid ring qid %u (${tag})\\n", qid);
 \t\treturn -EINVAL;
`;

/** CPU seconds (user + system) furc and its children used: what a rebuild costs, whatever else the machine runs. */
async function cpuSeconds(args: string[]): Promise<{ code: number | undefined; stdout: string; cpu: number }> {
  const r = await execa('bash', ['-c', 'TIMEFORMAT="%U %S"; time "$@"', 'bash', process.execPath, FURC, ...args], { cwd: work, reject: false, timeout: 900_000 });
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { code: r.exitCode, stdout: r.stdout, cpu: u! + s! };
}

describe.skipIf(why !== null)(`furc kernel build of Debian 7.2.13${why ? ` — SKIP: ${why}` : ''}`, () => {
  let image = '';
  beforeAll(() => { work = mkdtempSync(`${tmpdir()}/furc-buildtest-`); });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('should print the path of a 7.2.13 bzImage, and print it again from the cache within 10 s', async () => {
    const a = await furc(['kernel', 'build', '--debian', '7.2']);
    expect(a.exitCode, a.stderr).toBe(0);
    image = a.stdout.trim();
    expect(image).toMatch(/\/images\/[0-9a-f]{64}\/bzImage$/);
    const t0 = Date.now();
    const b = await furc(['kernel', 'build', '--debian', '7.2']);
    expect(b.stdout.trim()).toBe(image);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 1_000_000);

  it('should rebuild a one-line change of fs/fuse/dev_uring.c with under 30 s of CPU', async () => {
    writeFileSync(`${work}/one-line.patch`, oneLine(`t${Date.now()}`));
    const r = await cpuSeconds(['kernel', 'build', '--debian', '7.2', '--patch', `${work}/one-line.patch`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).not.toBe(image);
    expect(r.cpu).toBeLessThan(30);
  }, 900_000);

  it('should run the suite inside furc vm with the same results as Debian\'s 7.2.12 binary, the release string aside', async () => {
    const r = await furc(['vm', '--debian', '7.2', '--log', `${work}/vm.log`, '--', 'run', '--target', 'kernel', '--format', 'json', '--out', 'mine.json'], 1_200_000);
    expect(r.exitCode, r.stderr.split('\n').slice(-3).join('\n')).toBe(0);
    const diffs = diffReports(loadReport(DEB7212), loadReport(`${work}/mine.json`));
    expect(diffs.map((d) => `${d.id}: ${d.a} → ${d.b}`)).toEqual(['fingerprint.release: "7.2.12+deb13-amd64" → "7.2.13"']);
    expect(readFileSync(`${work}/vm.log`, 'utf8')).not.toMatch(/SIGTRAP|Trace\/breakpoint trap/);
  }, 1_300_000);
});
