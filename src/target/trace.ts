// Per-step event traces in a target-neutral text form, so model and kernel runs can be diffed line by line.
import { errnoName } from '../../spec/errno.js';
import type { Command, Event } from '../../spec/conn/commands.js';
import type { Scenario } from '../../spec/rules/types.js';
import { probeCommand } from '../../spec/rules/scenario.js';
import type { Target } from './target.js';

/** One event as text; kernel-assigned uniques are left out, their relation to commit_id is kept. */
export function showEvent(e: Event): string {
  switch (e.kind) {
    case 'cqe': {
      const r = e.req;
      const req = r ? ` req(opcode=${r.opcode} payload_sz=${r.payload_sz}${r.commit_id === r.unique ? '' : ' commit_id≠unique'}${r.nodeid !== undefined ? ` nodeid=${r.nodeid}` : ''}`
        + `${r.arg !== undefined ? ` arg=${r.arg}` : ''}${r.flags !== undefined ? ` flags=0x${r.flags.toString(16)}` : ''}${r.offset !== undefined ? ` offset=${r.offset}` : ''}${r.data !== undefined ? ` data=${r.data}` : ''})` : '';
      return `cqe ${e.tag} ${errnoName(e.res)}${req}${e.buf_id !== undefined ? ` buf_id=${e.buf_id}` : ''}`;
    }
    case 'client_done': return `client_done ${e.tag} ${errnoName(e.res)}${e.data !== undefined ? ` data=${e.data}` : ''}`;
    case 'client_busy': return `client_busy ${e.tag}`;
    case 'dev_request': return `dev_request opcode=${e.opcode}`;
    case 'blocked': return `blocked ${e.tag}`;
  }
}

export function showCommand(c: Command): string {
  return c.kind === 'uring_cmd' ? `uring_cmd ${c.tag} op=${c.sqe.cmd_op} qid=${c.sqe.qid}` : c.kind === 'client' ? `client ${c.tag} ${c.op} cpu=${c.cpu}` : c.kind;
}

/** Runs a scenario and returns, per step, the command and the sorted texts of what it caused. */
export async function traceScenario(target: Target, s: Scenario): Promise<string[]> {
  const session = await target.open(s.config);
  const lines: string[] = [];
  try {
    for (const c of [...s.prior, probeCommand(s)]) {
      const ev = await session.run(c);
      lines.push(`${showCommand(c)} → ${ev.map(showEvent).sort().join('; ') || 'nothing'}`);
    }
  } finally {
    await session.close();
  }
  return lines;
}
