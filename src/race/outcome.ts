// One vocabulary for what a race ended with, whether the model predicted it or the kernel did it: sorted lines.
import { errnoName, negErrno } from '../../spec/errno.js';
import type { Event } from '../../spec/conn/commands.js';
import type { Revision } from '../../spec/revisions.js';
import { readHeader } from '../kernel/delivery.js';
import type { BuiltRace } from './build.js';

/** A sorted list of lines such as "r0.0 0 op=3", "c1.0 -ENOTCONN", "client@cpu0 -ECONNABORTED", "dev opcode=3". */
export type Outcome = readonly string[];

export const outcomeKey = (o: Outcome): string => o.join('\n');

const clientLine = (b: BuiltRace, tag: string, res: number): string => `client@cpu${b.clients.get(tag)?.cpu ?? '?'} ${errnoName(res)}`;

/** The model's events as outcome lines: clients by CPU (clients on one CPU are interchangeable), SQEs by tag. */
export function modelLines(b: BuiltRace, events: readonly Event[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'cqe': return `${e.tag} ${errnoName(e.res)}${e.req ? ` op=${e.req.opcode}` : ''}`;
      case 'client_done': return clientLine(b, e.tag, e.res);
      case 'dev_request': return `dev opcode=${e.opcode}`;
      case 'blocked': return `${e.tag} blocked`;
      case 'client_busy': return `${e.tag} busy`;
    }
  });
}

/** What the kernel did in one iteration, raw: submissions, CQEs (with header snapshots), client results, /dev/fuse requests. */
export interface KernelObservation {
  readonly submits: ReadonlyMap<bigint, { readonly status: number; readonly res: number }>;
  readonly cqes: readonly { readonly ud: bigint; readonly res: number; readonly snap: Uint8Array | null }[];
  readonly clients: ReadonlyMap<string, number>;
  readonly dev: readonly number[];
}

const CLOSED = 2;

/** The kernel's observation as outcome lines: a submission on a closed ring reads as the model's -EBADF. */
export function kernelLines(b: BuiltRace, rev: Revision, o: KernelObservation): string[] {
  const out: string[] = [];
  for (const [ud, info] of b.tags) {
    const sub = o.submits.get(ud);
    if (sub && (sub.status === CLOSED || sub.res < 0)) { out.push(`${info.tag} ${errnoName(sub.status === CLOSED ? negErrno('EBADF') : sub.res)}`); continue; }
    for (const c of o.cqes.filter((x) => x.ud === ud)) {
      const op = c.res === 0 && c.snap ? ` op=${readHeader(rev, c.snap).opcode}` : '';
      out.push(`${info.tag} ${errnoName(c.res)}${op}`);
    }
  }
  for (const [tag, res] of o.clients) out.push(clientLine(b, tag, res));
  for (const op of o.dev) out.push(`dev opcode=${op}`);
  return out.sort();
}

/** A line as the lines oracle compares it: an SQE by the queue of the entry it holds, a delivery without its opcode. */
export function lineKind(b: BuiltRace, line: string): string {
  const [tag, ...rest] = line.split(' ');
  const info = [...b.tags.values()].find((t) => t.tag === tag);
  const what = rest.join(' ').replace(/^0 op=\d+$/, '0');
  return info && info.queue !== null ? `q${info.queue} ${what}` : `${tag} ${what}`;
}
