// The connection one race iteration works on: /dev/fuse, a mount in the worker's namespace, INIT answered.
import { rmdirSync } from 'node:fs';
import type { NativeProbe } from '../../native-probe/index.js';
import type { ConnConfig } from '../../spec/conn/commands.js';
import { FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { MNT_DETACH, MS_FLAG, O_FLAG } from '../../spec/uapi/linux.js';
import { devReadSize, initReply, parseInitIn, parseRequest, UNSOLICITED } from '../kernel/fuseMsg.js';
import { newMountDir } from '../kernel/mountDirs.js';
import { FusectlFiles } from '../kernel/fusectlFiles.js';
import { connectionId, ensureFusectl } from '../kernel/procfs.js';
import { scaled } from '../kernel/timeScale.js';

const NAP = new Int32Array(new SharedArrayBuffer(4));

export class RaceConnError extends Error {}

export class RaceConn {
  readonly fusefd: number;
  readonly dir: string;
  readonly id: number;
  fdClosed = false;
  unmounted = false;
  private readonly readSize: number;
  /** Its fusectl files, known by inode: once it is gone its id may name another job's connection. */
  private readonly ctl: FusectlFiles;

  constructor(private readonly p: NativeProbe, cfg: ConnConfig) {
    const check = (r: number, what: string) => { if (r < 0) throw new RaceConnError(`${what} failed: ${r}`); return r; };
    this.readSize = devReadSize(cfg.init!.max_write);
    this.fusefd = check(p.open('/dev/fuse', O_FLAG.O_RDWR), 'open /dev/fuse');
    this.dir = newMountDir();
    try {
      check(p.mount('furc', this.dir, 'fuse', MS_FLAG.MS_NOSUID | MS_FLAG.MS_NODEV, `fd=${this.fusefd},rootmode=40000,user_id=0,group_id=0`), `mount fuse on ${this.dir}`);
    } catch (e) { p.close(this.fusefd); rmdirSync(this.dir); throw e; }
    this.id = connectionId(this.dir);
    ensureFusectl(p);
    this.ctl = new FusectlFiles(this.id);
    try {
      const init = p.read(this.fusefd, this.readSize, scaled(2000));
      if (typeof init === 'number') throw new RaceConnError(`no FUSE_INIT on /dev/fuse within ${scaled(2000)} ms (${init})`);
      const { h, body } = parseRequest(init);
      if (h.opcode !== FUSE_OPCODE.FUSE_INIT) throw new RaceConnError(`expected FUSE_INIT, got opcode ${h.opcode}`);
      check(p.write(this.fusefd, initReply(h.unique, parseInitIn(body), cfg.init!).bytes), 'write INIT reply');
    } catch (e) {
      // Nothing of a connection that never got going is left: aborted, its fd closed, its mount detached.
      this.ctl.abort(); this.ctl.close(); p.close(this.fusefd); p.umount2(this.dir, MNT_DETACH); this.removeDir();
      throw e;
    }
  }

  /** The abort file, open from mount to dispose(): the race's threads abort through it too. */
  get abortFd(): number { return this.ctl.fd; }
  get exists(): boolean { return !this.ctl.gone(); }

  abort(): void { this.ctl.abort(); }

  /** Closes the abort file; after this the connection is neither aborted nor watched. */
  dispose(): void { this.ctl.close(); }

  /** Requests waiting on /dev/fuse (the ring was not ready for them), read and left unanswered: their opcodes. */
  pendingOnDev(): number[] {
    const out: number[] = [];
    if (this.fdClosed) return out;
    for (let i = 0; i < 64; i++) {
      const b = this.p.read(this.fusefd, this.readSize, 0);
      if (typeof b === 'number') break;
      const op = parseRequest(b).h.opcode;
      if (!UNSOLICITED.includes(op)) out.push(op);
    }
    return out;
  }

  closeFd(): void { if (!this.fdClosed) this.p.close(this.fusefd); this.fdClosed = true; }

  /** Whether the connection's fusectl directory went within `ms` (its last /dev/fuse reference gone). */
  waitGone(ms: number): boolean {
    const until = Date.now() + ms;
    while (this.exists) {
      if (Date.now() > until) return false;
      Atomics.wait(NAP, 0, 0, 1);
    }
    return true;
  }

  removeDir(): void { try { rmdirSync(this.dir); } catch { /* busy until a lazy detach completes */ } }
}
