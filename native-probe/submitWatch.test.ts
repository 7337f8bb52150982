// The submit watch (native-probe/src/submitWatch.cc) on a real sleep: a REGISTER on a /dev/fuse that
// FUSE_DEV_IOC_SYNC_INIT left waiting for a mount sleeps in fuse_get_dev until a signal ends it.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProbe, type NativeProbe } from './index.js';
import { ERRNO } from '../spec/errno.js';
import { KernelTarget } from '../src/kernel/kernelTarget.js';
import { ParamLock } from '../src/kernel/paramLock.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
// In a child, so a watch that never interrupts ends in the child's timeout (SIGKILL ends the sleep), not in a hung run.
const SCRIPT = `
import { readdirSync, readFileSync } from 'node:fs';
const { loadProbe } = await import('${DIST}native-probe/index.js');
const { revision } = await import('${DIST}spec/revisions.js');
const { registerSqe } = await import('${DIST}spec/scenarios/families.js');
const { FUSE_DEV_IOC } = await import('${DIST}spec/uapi/fuse_kernel.js');
const { IORING_SETUP_SQE128 } = await import('${DIST}spec/uapi/io_uring.js');
const { O_FLAG } = await import('${DIST}spec/uapi/linux.js');
const { uringCmdSqe } = await import('${DIST}src/kernel/sqe.js');
const { reapCqes } = await import('${DIST}src/kernel/cqes.js');
const p = loadProbe();
const fd = p.open('/dev/fuse', O_FLAG.O_RDWR);
const syncInit = p.ioctl(fd, FUSE_DEV_IOC.FUSE_DEV_IOC_SYNC_INIT);
if (syncInit < 0) { console.log(JSON.stringify({ syncInit })); process.exit(0); }
const ring = p.ringSetup(8, IORING_SETUP_SQE128);
// One REGISTER, watched as the harness watches every command: how long it took, where it slept, its CQE.
const submit = (ud) => {
  const t0 = process.hrtime.bigint();
  const sub = p.ringSubmit(ring, uringCmdSqe(revision('R0'), fd, BigInt(ud), registerSqe(0, 131072), 0n, { iovArray: 0n, bufpool: 0n }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const blocked = p.ringSubmitBlocked();
  const cqes = reapCqes(p, revision('R0'), ring, 1000);
  return { sub, ms, blocked, cqe: typeof cqes === 'number' ? cqes : cqes.map((c) => [Number(c.user_data), c.res]) };
};
// it_value and it_interval of every timerfd open here: all zero once the watch sleeps between submissions. A periodic
// tick that has expired and not yet been read shows it_value (0, 0) too (timerfd_get_remaining): only the interval tells.
const timers = () => readdirSync('/proc/self/fdinfo').flatMap((f) => { try { const t = readFileSync('/proc/self/fdinfo/' + f, 'utf8'); return [/^it_value: (.*)$/m, /^it_interval: (.*)$/m].flatMap((re) => re.exec(t)?.[1] ?? []); } catch { return []; } });
const sigBlk = () => BigInt('0x' + /^SigBlk:\\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/thread-self/status', 'utf8'))[1]);
const first = submit(1);
const sampling = timers().some((v) => v !== '(0, 0)');
// 20 samples with no submission put the watch to sleep: its timers say so (a signal, not a guess at how long).
while (timers().some((v) => v !== '(0, 0)')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
const afterQuiet = submit(2);
const before = sigBlk();
p.holdSignals(true);
const during = sigBlk();
const held = submit(3);
p.holdSignals(false);
// A period of 40 ms, taken up when the watch next starts sampling: after a quiet spell, as the first submission was.
const refused = [0, -1, 60_000].map((ms) => p.watchPeriod(ms));
const set = p.watchPeriod(40);
while (timers().some((v) => v !== '(0, 0)')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
const slower = submit(4);
const intervals = timers();
console.log(JSON.stringify({ syncInit, first, sampling, afterQuiet, held, before: String(before), during: String(during), after: String(sigBlk()), refused, set, slower, intervals }));
`;

const why = KernelTarget.unavailable();
/** glibc's SIGRTMIN: the kernel's 32 plus the two NPTL keeps for itself; the watch's own signal is SIGRTMIN+5. */
const WATCH_SIGNAL = 34 + 5;
const SIGUSR2 = 12;
const bit = (sig: number) => 1n << BigInt(sig - 1);
// 7.3.2's io_fixup_restart_res reports the interrupted wait as -EINTR.
const INTERRUPTED = [-ERRNO.ERESTARTSYS, -ERRNO.EINTR];

describe.skipIf(why !== null)('the submit watch on a REGISTER asleep in fuse_get_dev (kernel)', () => {
  let lock: ParamLock;
  let r: Record<string, any>;
  beforeAll(async () => {
    lock = new ParamLock(loadProbe() as NativeProbe);
    lock.acquire('Y');
    r = JSON.parse((await execa(process.execPath, ['--input-type=module', '-e', SCRIPT], { timeout: 30_000 })).stdout);
  });
  afterAll(() => lock?.close());

  const needSyncInit = (ctx: { skip: (why: string) => void }) => { if (r.syncInit < 0) ctx.skip(`FUSE_DEV_IOC_SYNC_INIT failed (${r.syncInit}): no synchronous INIT before 6.18`); };

  it('should interrupt the sleep once it has lasted a whole 5 ms sample period, name fuse_get_dev, and give the wait\'s -ERESTARTSYS', (ctx) => {
    needSyncInit(ctx);
    expect(r.first).toMatchObject({ sub: 1, blocked: expect.stringMatching(/^fuse_get_dev/), cqe: [[1, expect.toBeOneOf(INTERRUPTED)]] });
    expect(r.first.ms).toBeGreaterThanOrEqual(5);
    expect(r.sampling).toBe(true);
  });

  it('should wake from its sleep between submissions (every timerfd disarmed) for the next sleeping REGISTER', (ctx) => {
    needSyncInit(ctx);
    expect(r.afterQuiet).toMatchObject({ sub: 1, blocked: expect.stringMatching(/^fuse_get_dev/), cqe: [[2, expect.toBeOneOf(INTERRUPTED)]] });
    expect(r.afterQuiet.ms).toBeGreaterThanOrEqual(5);
  });

  it('should hold SIGUSR2 but not its own signal between holdSignals(true) and (false), and still interrupt the sleep in between', (ctx) => {
    needSyncInit(ctx);
    const during = BigInt(r.during);
    expect(during & bit(SIGUSR2)).toBe(bit(SIGUSR2));
    expect(during & bit(WATCH_SIGNAL)).toBe(0n);
    expect(r.after).toBe(r.before);
    expect(r.held).toMatchObject({ sub: 1, blocked: expect.stringMatching(/^fuse_get_dev/), cqe: [[3, expect.toBeOneOf(INTERRUPTED)]] });
  });

  it('should sample every 40 ms after watchPeriod(40), interrupt the sleep no sooner than 40 ms in, and refuse 0, -1 and 60,000 ms with -EINVAL', (ctx) => {
    needSyncInit(ctx);
    expect(r.refused).toEqual([-ERRNO.EINVAL, -ERRNO.EINVAL, -ERRNO.EINVAL]);
    expect(r.set).toBe(0);
    expect(r.slower).toMatchObject({ sub: 1, blocked: expect.stringMatching(/^fuse_get_dev/), cqe: [[4, expect.toBeOneOf(INTERRUPTED)]] });
    expect(r.slower.ms).toBeGreaterThanOrEqual(40);
    // The periodic tick's interval (seconds, nanoseconds), as /proc/self/fdinfo shows a timerfd's.
    expect(r.intervals).toContain('(0, 40000000)');
  });
});
