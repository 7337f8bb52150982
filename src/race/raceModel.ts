// The reference model as a race sees it: ConnModel, plus which thread submitted each SQE and what a thread's exit cancels.
import { ConnModel, type ModelMutation } from '../../spec/model/conn.js';
import { negErrno } from '../../spec/errno.js';
import type { Command, ConnConfig, Event } from '../../spec/conn/commands.js';

/** A model command, or a server thread exiting (the kernel then cancels the io_uring requests it submitted). */
export type RaceCmd = Command | { readonly kind: 'thread_exit'; readonly thread: number };

/** Rewrites what the model says (a deliberately wrong model for the harness's own tests); identity by default. */
export type EventFilter = (cmd: RaceCmd, events: Event[]) => Event[];

export class RaceModel {
  readonly conn: ConnModel;
  private readonly owner = new Map<string, number>();

  constructor(cfg: ConnConfig, mutation: ModelMutation = {}, private readonly filter: EventFilter = (_c, e) => e) {
    this.conn = new ConnModel(cfg, {}, mutation);
  }

  /** The thread that submitted the SQE tagged `tag`. */
  ownerOf(tag: string): number | undefined { return this.owner.get(tag); }

  /** Runs `cmd` as thread `thread` did (null: the harness or a client); SQEs remember their submitter. */
  run(cmd: RaceCmd, thread: number | null): Event[] {
    if (cmd.kind === 'uring_cmd' && thread !== null) this.owner.set(cmd.tag, thread);
    const events = cmd.kind === 'thread_exit' ? this.threadExit(cmd.thread) : this.conn.run(cmd);
    return this.filter(cmd, events);
  }

  /**
   * io_uring cancels an exiting task's cancelable commands (io_uring_try_cancel_uring_cmd): fuse_uring_cancel() completes
   * an AVAILABLE entry's held SQE with -ENOTCONN and takes the entry off the queue; entries in other states are left.
   * The ring stays open, so those CQEs are seen (unlike ring_exit's).
   */
  private threadExit(thread: number): Event[] {
    const out: Event[] = [];
    for (const q of this.conn.st.ring?.queues.values() ?? []) {
      for (let i = q.entries.length - 1; i >= 0; i--) {
        const e = q.entries[i]!;
        if (e.state !== 'FRRS_AVAILABLE' || this.owner.get(e.tag) !== thread) continue;
        out.push({ kind: 'cqe', tag: e.tag, res: negErrno('ENOTCONN') });
        this.conn.st.held.delete(e.tag);
        q.entries.splice(i, 1);
      }
    }
    return out;
  }
}
