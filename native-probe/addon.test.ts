// The addon's seam without FUSE: a verb's syscall runs once, and race state belongs to the environment that made it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ERRNO } from '../spec/errno.js';
import { O_FLAG } from '../spec/uapi/linux.js';
import { decode, encode } from '../spec/codec/codec.js';
import { revision } from '../spec/revisions.js';
import { IORING_OP_NOP, IORING_SETUP_CQE32, io_uring_cqe } from '../spec/uapi/io_uring.js';
import { encodeProgram } from '../src/race/program.js';
import { ROOT } from '../src/paths.js';
import { loadProbe } from './index.js';

const probe = loadProbe();
const p = typeof probe === 'string' ? null : probe;
const ADDON = `${ROOT}build/Release/furc_probe.node`;

/** Threads of this process the race engine started (it names them furc-race). */
const raceThreads = (): number => readdirSync('/proc/self/task')
  .filter((t) => { try { return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'furc-race'; } catch { return false; } }).length;

describe.skipIf(p === null)('fd verbs', () => {
  it('should return 0 from close() of a fresh fd and close it once: it is gone, a second close() is -EBADF, the fd opened before it stays', () => {
    const before = p!.open('/dev/null', O_FLAG.O_RDWR), fresh = p!.open('/dev/null', O_FLAG.O_RDWR);
    expect([before >= 0, fresh >= 0]).toEqual([true, true]);
    expect(p!.close(fresh)).toBe(0);
    expect(existsSync(`/proc/self/fd/${fresh}`)).toBe(false);
    expect(p!.close(fresh)).toBe(-ERRNO.EBADF);
    expect(existsSync(`/proc/self/fd/${before}`)).toBe(true);
    expect(p!.close(before)).toBe(0);
  });
});

describe.skipIf(p === null)('waits through signals', () => {
  it('should say a pipe is readable when it is written 150 ms into a 5 s waitAny, though SIGUSR2 (handled) arrived at 50 ms', async () => {
    // A handled signal ends ppoll with EINTR; a profiler's SIGPROF did that to the worker's waits (false "ring not freed").
    const fds = p!.pipe() as [number, number];
    const handler = () => {};
    process.on('SIGUSR2', handler);
    const child = spawn('sh', ['-c', `sleep 0.05; kill -USR2 ${process.pid}; sleep 0.1; printf x >&3`], { stdio: ['ignore', 'ignore', 'ignore', fds[1]] });
    try {
      expect(p!.waitAny([fds[0]], 5000)).toBe(1);
    } finally {
      await new Promise((r) => child.on('exit', r));
      process.off('SIGUSR2', handler);
      p!.close(fds[0]); p!.close(fds[1]);
    }
  });
});

describe.skipIf(p === null)('flock with a deadline', () => {
  const LOCK_EX = 2;
  it('should answer -ETIMEDOUT after 100 ms for a lock another open file holds, and 0 once flock(1) in a child lets go of it', async () => {
    const path = `${mkdtempSync('/tmp/furc-flock-')}/lock`;
    writeFileSync(path, '');
    const mine = p!.open(path, O_FLAG.O_RDWR), theirs = p!.open(path, O_FLAG.O_RDWR);
    try {
      expect(p!.flock(theirs, LOCK_EX)).toBe(0);
      expect(p!.flock(mine, LOCK_EX, 100)).toBe(-ERRNO.ETIMEDOUT);
      p!.close(theirs);
      // A child holds it 200 ms: the wait ends when it exits, well inside the 10 s deadline.
      const child = spawn('flock', ['-x', path, 'sh', '-c', 'echo held; sleep 0.2'], { stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise((r) => child.stdout.once('data', r));
      expect(p!.flock(mine, LOCK_EX, 10_000)).toBe(0);
      await new Promise((r) => child.on('exit', r));
    } finally { p!.close(mine); rmSync(path.replace(/\/lock$/, ''), { recursive: true, force: true }); }
  });
});

describe.skipIf(p === null || !existsSync(ADDON))('race state per environment', () => {
  let worker: Worker | null = null;
  afterEach(async () => { await worker?.terminate(); worker = null; });

  it('should keep a worker\'s race from the main thread (raceState -ENOENT there) and stop and join its 1 thread when the worker ends', async () => {
    // One thread waiting at a barrier of 2 parties: it runs until stopped.
    const program = encodeProgram({ threads: [{ name: 'waits', steps: [{ op: 'barrier', id: 0 }] }], barriers: [2], snaps: [] });
    const before = raceThreads();
    worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const p = require(workerData.addon);
      const r = p.raceStart(Buffer.from(workerData.program), p.alloc(4096), []);
      // Until the thread runs (it names itself first).
      while (r === 0 && p.raceState().threads[0][1] !== 1);
      parentPort.postMessage(r);
      setInterval(() => {}, 1000);`, { eval: true, workerData: { addon: ADDON, program } });
    const started = await new Promise((resolve, reject) => { worker!.once('message', resolve); worker!.once('error', reject); });
    expect(started).toBe(0);
    expect(raceThreads()).toBe(before + 1);
    expect(p!.raceState()).toBe(-ERRNO.ENOENT);
    await worker.terminate();
    worker = null;
    expect(raceThreads()).toBe(before);
  });
});

/** Whether any mapping of this process covers user address `a`. */
const mapped = (a: bigint): boolean => readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => {
  const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(l);
  return m !== null && BigInt(`0x${m[1]}`) <= a && a < BigInt(`0x${m[2]}`);
});

describe.skipIf(p === null)('alloc()ed memory', () => {
  it('should unmap pages 0 and 2 of a collected 3-page buffer and leave page 1, unmapped by unmap() and mapped again by another alloc(), alone', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let ab: ArrayBuffer | null = p!.alloc(3 * 4096) as ArrayBuffer;
    const base = p!.addressOf(ab);
    expect(p!.unmap(ab, 4096, 4096)).toBe(0);
    const again = p!.alloc(4096, base + 4096n);
    expect(typeof again).not.toBe('number');
    ab = null;
    // Finalizers run from the event loop after the collection.
    for (let i = 0; i < 20 && mapped(base); i++) { gc(); await new Promise((r) => setImmediate(r)); }
    expect([mapped(base), mapped(base + 4096n), mapped(base + 8192n)]).toEqual([false, true, false]);
    expect(p!.addressOf(again as ArrayBuffer)).toBe(base + 4096n);
  });

  it('should leave alone a buffer that alloc() placed at the base of a collected one whose every page unmap() took', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let old: ArrayBuffer | null = p!.alloc(4096) as ArrayBuffer;
    const base = p!.addressOf(old);
    expect(p!.unmap(old, 0, 4096)).toBe(0);
    const now = p!.alloc(4096, base);
    expect(typeof now).not.toBe('number');
    // A buffer collected with `old`: once its page is gone, the collection's finalizers have run.
    let sentinel: ArrayBuffer | null = p!.alloc(4096) as ArrayBuffer;
    const marker = p!.addressOf(sentinel);
    old = null; sentinel = null;
    for (let i = 0; i < 20 && mapped(marker); i++) { gc(); await new Promise((r) => setImmediate(r)); }
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setImmediate(r)); }
    expect(mapped(marker)).toBe(false);
    expect(mapped(base)).toBe(true);
    new Uint8Array(now as ArrayBuffer).fill(7);
    expect(p!.unmap(now as ArrayBuffer, 0, 4096)).toBe(0);
    expect(mapped(base)).toBe(false);
  });

  it('should read zeros from an alloc()ed 2-page buffer filled with 0x5a after discard() returns 0, and keep both pages mapped', () => {
    const ab = p!.alloc(8192) as ArrayBuffer;
    new Uint8Array(ab).fill(0x5a);
    expect(p!.discard(ab)).toBe(0);
    expect(new Uint8Array(ab).every((b) => b === 0)).toBe(true);
    expect([mapped(p!.addressOf(ab)), mapped(p!.addressOf(ab) + 4096n)]).toEqual([true, true]);
    expect(p!.unmap(ab, 0, 8192)).toBe(0);
  });

  it('should refuse discard() with -EINVAL for an alloc()ed buffer whose second page unmap() took, and for a buffer alloc() did not make', () => {
    const ab = p!.alloc(8192) as ArrayBuffer;
    new Uint8Array(ab, 0, 4096).fill(0x5a);
    expect(p!.unmap(ab, 4096, 4096)).toBe(0);
    expect(p!.discard(ab)).toBe(-ERRNO.EINVAL);
    expect(new Uint8Array(ab, 0, 4096).every((b) => b === 0x5a)).toBe(true);
    expect(p!.discard(new ArrayBuffer(4096))).toBe(-ERRNO.EINVAL);
    expect(p!.unmap(ab, 0, 4096)).toBe(0);
  });
});

describe.skipIf(p === null)('ring reaping', () => {
  const R0 = revision('R0');
  const nop = (ud: bigint) => Buffer.from(encode(R0.lookup('io_uring_sqe$rw'), { opcode: IORING_OP_NOP, user_data: ud }, R0.lookup)).subarray(0, 64);
  const cqeAt = (b: Uint8Array, at: number) => decode(io_uring_cqe, b, R0.lookup, at);

  it('should copy the CQEs of NOPs 11, 12 and 13 two at a time into a 32-byte buffer, leave 13 for the next reap, and then find none', () => {
    const ring = p!.ringSetup(8, 0);
    expect(ring).toBeGreaterThanOrEqual(0);
    try {
      for (const ud of [11n, 12n, 13n]) expect(p!.ringSubmit(ring, nop(ud), false)).toBe(1);
      const into = Buffer.alloc(32);
      expect(p!.ringReap(ring, 1000, into)).toBe(2);
      expect([cqeAt(into, 0), cqeAt(into, 16)]).toEqual([{ user_data: 11n, res: 0, flags: 0 }, { user_data: 12n, res: 0, flags: 0 }]);
      expect(p!.ringReap(ring, 1000, into)).toBe(1);
      expect(cqeAt(into, 0)).toEqual({ user_data: 13n, res: 0, flags: 0 });
      expect(p!.ringReap(ring, 0, into)).toBe(0);
    } finally { p!.ringClose(ring); }
  });

  it('should copy 32 bytes a CQE from an IORING_SETUP_CQE32 ring: one whole CQE fits in 48 bytes, and its first 16 are NOP 21\'s', () => {
    const ring = p!.ringSetup(8, IORING_SETUP_CQE32);
    expect(ring).toBeGreaterThanOrEqual(0);
    try {
      for (const ud of [21n, 22n]) expect(p!.ringSubmit(ring, nop(ud), false)).toBe(1);
      const into = Buffer.alloc(48);
      expect(p!.ringReap(ring, 1000, into)).toBe(1);
      expect(cqeAt(into, 0)).toEqual({ user_data: 21n, res: 0, flags: 0 });
      expect(p!.ringReap(ring, 1000, into)).toBe(1);
      expect(cqeAt(into, 0).user_data).toBe(22n);
    } finally { p!.ringClose(ring); }
  });

  it('should answer -EBADF for an fd that ringSetup() did not make, and take nothing into a buffer too small for one CQE', () => {
    const fd = p!.open('/dev/null', O_FLAG.O_RDWR);
    expect(p!.ringReap(fd, 0, Buffer.alloc(16))).toBe(-ERRNO.EBADF);
    p!.close(fd);
    const ring = p!.ringSetup(8, 0);
    try {
      expect(p!.ringSubmit(ring, nop(31n), false)).toBe(1);
      expect(p!.ringReap(ring, 1000, Buffer.alloc(15))).toBe(0);
      const into = Buffer.alloc(16);
      expect(p!.ringReap(ring, 1000, into)).toBe(1);
      expect(cqeAt(into, 0).user_data).toBe(31n);
    } finally { p!.ringClose(ring); }
  });
});
