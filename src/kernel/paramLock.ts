// fuse.enable_uring is one global switch: furc runs and their workers share it through flock(2)s in /run/furc.
// A run holds runs.lock shared for its lifetime; the last run to leave restores the value the first one found.
// A case wanting Y holds param.lock shared, a case wanting N holds it exclusive; turnstile.lock keeps writers from starving.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';
import { ERRNO } from '../../spec/errno.js';
import { O_FLAG } from '../../spec/uapi/linux.js';
import { HeldParam, readParam, writeParam } from './enableUring.js';
import { processAlive } from './procfs.js';

export const LOCK_DIR = '/run/furc';
const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
const O_RDWR_CREAT = O_FLAG.O_RDWR | O_FLAG.O_CREAT;
const SAVED = `${LOCK_DIR}/enable_uring.saved`;
/** Where runs before the lock protocol kept the value to restore. */
const OLD_SAVED = '/run/furc-enable_uring.saved';

export class ParamLockError extends Error {}


function openLock(p: NativeProbe, name: string): number {
  mkdirSync(LOCK_DIR, { recursive: true });
  const fd = p.open(`${LOCK_DIR}/${name}`, O_RDWR_CREAT);
  if (fd < 0) throw new ParamLockError(`open ${LOCK_DIR}/${name} failed: ${fd}`);
  return fd;
}

/** Other live furc runs (their pids), for a message that says who holds the switch. */
export function otherRuns(): number[] {
  try {
    return readdirSync(LOCK_DIR).map((f) => /^run\.(\d+)$/.exec(f)?.[1]).filter((x): x is string => !!x)
      .map(Number).filter((pid) => pid !== process.pid && processAlive(pid));
  } catch { return []; }
}

/** Takes `op` on fd the moment it is free, waiting until the deadline: a wait that never ends would hide who holds it. */
function lockBy(p: NativeProbe, fd: number, op: number, deadlineMs: number, what: string): void {
  const r = p.flock(fd, op, deadlineMs);
  if (r === 0) return;
  if (r !== -ERRNO.ETIMEDOUT) throw new ParamLockError(`flock ${what}: ${r}`);
  const others = otherRuns();
  throw new ParamLockError(`waited ${deadlineMs} ms for ${what}: held by ${others.length ? `furc run pid ${others.join(', ')}` : 'another process'}`);
}

/** A run's share of the switch: call end() when the run ends (it restores the original value if this run is last). */
export class RunLock {
  private readonly fd: number;
  /** Set when this run restored a value an interrupted run had left behind. */
  readonly restored: string | null = null;

  constructor(private readonly p: NativeProbe) {
    this.fd = openLock(p, 'runs.lock');
    const alone = p.flock(this.fd, LOCK_EX | LOCK_NB) === 0;
    if (alone) {
      // No live run: registry entries of killed runs go, and a saved value (their leftover) is put back first.
      for (const f of readdirSync(LOCK_DIR)) if (/^run\.\d+$/.test(f)) rmSync(`${LOCK_DIR}/${f}`, { force: true });
      if (!existsSync(SAVED) && existsSync(OLD_SAVED)) writeFileSync(SAVED, readFileSync(OLD_SAVED, 'utf8').split(/\s+/)[0]!);
      rmSync(OLD_SAVED, { force: true });
      if (existsSync(SAVED)) {
        const orig = readFileSync(SAVED, 'utf8').trim();
        if (orig === 'Y' || orig === 'N') { writeParam(orig); this.restored = `restored fuse.enable_uring=${orig} left by an interrupted run`; }
        rmSync(SAVED, { force: true });
      }
      const cur = readParam();
      if (cur) writeFileSync(SAVED, `${cur}\n`);
    }
    lockBy(p, this.fd, LOCK_SH, 30_000, 'the furc run registry');
    writeFileSync(`${LOCK_DIR}/run.${process.pid}`, `${process.argv.slice(1).join(' ')}\n`);
  }

  end(): void {
    rmSync(`${LOCK_DIR}/run.${process.pid}`, { force: true });
    this.p.flock(this.fd, LOCK_UN);
    if (this.p.flock(this.fd, LOCK_EX | LOCK_NB) === 0) {
      const param = new ParamLock(this.p);
      param.exclusive(() => {
        if (existsSync(SAVED)) {
          const orig = readFileSync(SAVED, 'utf8').trim();
          if ((orig === 'Y' || orig === 'N') && readParam() !== null) writeParam(orig);
          rmSync(SAVED, { force: true });
        }
      });
      param.close();
      this.p.flock(this.fd, LOCK_UN);
    }
    this.p.close(this.fd);
  }
}

/** A worker's hold on the switch for one connection: shared while it must read Y, exclusive to make it N. */
export class ParamLock {
  private readonly fd: number;
  private readonly turnstile: number;
  private held: 'Y' | 'N' | null = null;
  private readonly param = new HeldParam();

  constructor(private readonly p: NativeProbe, private readonly waitMs = 30_000) {
    this.fd = openLock(p, 'param.lock');
    this.turnstile = openLock(p, 'turnstile.lock');
  }

  /** Holds the switch at `want` until release(); a kernel without the parameter has nothing to hold. */
  acquire(want: 'Y' | 'N'): void {
    if (this.held !== null) this.release();
    if (!this.param.present()) return;
    lockBy(this.p, this.turnstile, LOCK_EX, this.waitMs, 'fuse.enable_uring (turnstile)');
    try {
      if (want === 'N') {
        lockBy(this.p, this.fd, LOCK_EX, this.waitMs, 'fuse.enable_uring (to set N)');
        writeParam('N');
      } else {
        lockBy(this.p, this.fd, LOCK_SH, this.waitMs, 'fuse.enable_uring');
        if (this.param.read() !== 'Y') {
          // Only a run's start or end leaves N behind, and only when no case holds the lock: turn it on for everyone.
          this.p.flock(this.fd, LOCK_UN);
          lockBy(this.p, this.fd, LOCK_EX, this.waitMs, 'fuse.enable_uring (to set Y)');
          writeParam('Y');
          this.p.flock(this.fd, LOCK_SH);
        }
      }
      this.held = want;
    } finally { this.p.flock(this.turnstile, LOCK_UN); }
  }

  /** Ends this connection's hold; an N goes back to Y so the cases of other workers find it on. */
  release(): void {
    if (this.held === 'N') writeParam('Y');
    if (this.held !== null) this.p.flock(this.fd, LOCK_UN);
    this.held = null;
  }

  /** Runs f with the switch held exclusively. */
  exclusive(f: () => void): void {
    lockBy(this.p, this.fd, LOCK_EX, this.waitMs, 'fuse.enable_uring');
    try { f(); } finally { this.p.flock(this.fd, LOCK_UN); }
  }

  close(): void { this.release(); this.p.close(this.fd); this.p.close(this.turnstile); this.param.close(); }
}
