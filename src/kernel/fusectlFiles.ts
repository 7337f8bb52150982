// A connection's fusectl files, known by inode from mount to teardown: after the connection is gone, its id may name
// another one (another job's, another furc's), which is then neither aborted nor waited for.
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';

export class FusectlFiles {
  /** The abort file, held open: a write through it reaches this connection or none (fuse_ctl_file_conn_get). */
  readonly fd: number;
  private readonly ino: number;
  private readonly dir: string;

  constructor(readonly id: number) {
    this.dir = `/sys/fs/fuse/connections/${id}`;
    this.fd = openSync(`${this.dir}/abort`, constants.O_WRONLY);
    this.ino = fstatSync(this.fd).ino;
  }

  abort(): void {
    try { writeSync(this.fd, '1'); } catch { /* gone */ }
  }

  /** fuse_ctl_remove_conn() has run (kill_sb): the id names no directory, or another connection's (fresh inodes). */
  gone(): boolean {
    try { return statSync(`${this.dir}/abort`).ino !== this.ino; } catch { return true; }
  }

  /** fuse_abort_conn() has run: it sets max_background to UINT_MAX (fs/fuse/dev.c); or the connection is gone. */
  aborted(): boolean {
    // The files are nonseekable (no pread), so each look opens the file afresh, after checking the id is still ours.
    if (this.gone()) return true;
    try { return readFileSync(`${this.dir}/max_background`, 'latin1').trim() === String(0xffffffff); } catch { return true; }
  }

  close(): void { closeSync(this.fd); }
}
