// Teardown results: held entries get ENOTCONN; a client still waiting in fuse_get_req() ENOTCONN; a request already sent ECONNABORTED.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { showEvent } from '../../src/target/trace.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const config = baseConfig('R0', NR_CPUS);
const max = maxPayloadSz(config.init!, revision('R0').a);
const reg = (q: number): Command => ({ kind: 'uring_cmd', tag: `r${q}`, sqe: registerSqe(q, max) });

describe.each(tTargets().map((t) => [t.name, t] as const))('teardown results (%s)', (_n, tt) => {
  it.for([
    ['a client blocked before readiness', [reg(0)], ['client_done c -ENOTCONN', 'cqe r0 -ENOTCONN']],
    ['a request delivered to the ring', Array.from({ length: NR_CPUS }, (_, q) => reg(q)), ['client_done c -ECONNABORTED', ...Array.from({ length: NR_CPUS - 1 }, (_, q) => `cqe r${q + 1} -ENOTCONN`)]],
  ] as const)('should end %s as the kernel does on a fusectl abort', async ([, setup, want], ctx) => {
    const target = await tReady(ctx, tt, 'R0');
    const s = await target.open(config);
    try {
      for (const c of setup) await s.run(c);
      await s.run({ kind: 'client', tag: 'c', op: 'stat', cpu: 0 });
      expect((await s.run({ kind: 'abort' })).map(showEvent).sort()).toEqual([...want].sort());
    } finally { await s.close(); }
  });
});
