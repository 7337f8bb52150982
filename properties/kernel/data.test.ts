// File data through the ring, byte for byte: what a client wrote is what the server found in the ring's payload, and what
// the server put there is what the client read, at every boundary size and at random sizes and offsets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { revision } from '../../spec/revisions.js';
import { FUSE_OPCODE as O } from '../../spec/uapi/fuse_kernel.js';
import { REVISIONS } from '../../spec/types.js';
import { dataCases, fileLife, type DataCase } from '../../src/conformance/data.js';
import { runCase } from '../../fuzz/runCase.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import type { Target } from '../../src/target/target.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';

const model = new ModelTarget({ nr_cpus: NR_CPUS, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });

type Cqe = Extract<Event, { kind: 'cqe' }>;

/** Checks a data case's trace against what its size alone implies; on the kernel, also step by step against the model. */
async function checkBytes(target: Target, d: DataCase): Promise<void> {
  // One run gives both the target's own trace and its step-by-step agreement with the model.
  const out = await runCase(model, target, d.case);
  const t = out.trace;
  const setupLen = d.case.steps.length - fileLife(0).length;
  const events = t.steps.slice(setupLen).flatMap((s) => (Array.isArray(s) ? s as Event[] : []));
  expect(t.steps.slice(setupLen).filter((s) => !Array.isArray(s)), 'steps that could not run').toEqual([]);
  const reqs = events.filter((e): e is Cqe => e.kind === 'cqe' && e.req !== undefined).map((e) => e.req!);
  const done = new Map(events.filter((e) => e.kind === 'client_done').map((e) => [e.tag, e as Extract<Event, { kind: 'client_done' }>]));
  const max = maxPayloadSz(d.case.config.init!, revision(d.case.config.revision).a);
  const writes = reqs.filter((r) => r.opcode === O.FUSE_WRITE), reads = reqs.filter((r) => r.opcode === O.FUSE_READ);
  // Every byte written reached the server in WRITE payloads of at most max_payload_sz, and each carried the client's bytes.
  expect(writes.reduce((n, r) => n + r.payload_sz, 0)).toBe(d.size);
  expect(writes.every((r) => r.payload_sz <= max && r.data === 'ok'), JSON.stringify(writes.map((r) => [r.payload_sz, r.data]))).toBe(true);
  expect(writes.length).toBeGreaterThanOrEqual(Math.ceil(d.size / max));
  expect(reads.length).toBeGreaterThanOrEqual(Math.ceil(d.size / max));
  expect(done.get('write')?.res).toBe(d.size);
  expect(done.get('read')?.res).toBe(d.size);
  if (d.size > 0) expect(done.get('read')?.data).toBe('ok');
  expect([done.get('fsync')?.res, done.get('close')?.res]).toEqual([0, 0]);
  if (target.name === 'kernel') expect(out.mismatchAt === null ? null : out.steps[out.mismatchAt], 'first step where the kernel and the model differ').toBeNull();
}

describe.each(tTargets().map((t) => [t.name, t] as const))('file data through the ring (%s)', (_n, tt) => {
  for (const rev of REVISIONS) {
    for (const d of dataCases(rev, NR_CPUS)) {
      it(`${d.family} ${d.rule}: should carry ${d.size} bytes out in WRITEs and back in READs, each byte the file's pattern`, async (ctx) => {
        await checkBytes(await tReady(ctx, tt, rev), d);
      });
    }
  }

  // Each ring set-up of R0 and R8 (per-entry, pool, registered pool, zero-copy): one data case's family as the base.
  const bases = (['R0', 'R8'] as const).flatMap((rev) => [...new Map(dataCases(rev, NR_CPUS).map((d) => [d.family, d])).values()].map((d) => [rev, d] as const));
  for (const [rev, first] of bases) {
    it(`should round-trip random sizes (0 to 3×max_payload_sz+7) at random offsets byte for byte on ${first.family}`, async (ctx) => {
      const target = await tReady(ctx, tt, rev);
      const base = first;
      const max = maxPayloadSz(base!.case.config.init!, revision(rev).a);
      const setup = base!.case.steps.slice(0, base!.case.steps.length - fileLife(0).length);
      await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 3 * max + 7 }), fc.integer({ min: 0, max: 3 * 4096 }), async (size, offset) => {
        await checkBytes(target, { ...base!, size, case: { config: base!.case.config, steps: [...setup, ...fileLife(size, offset)] } });
      }), { numRuns: tt.runs(160), seed: 20261130 });
    });
  }
});
