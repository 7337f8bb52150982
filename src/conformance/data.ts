// File data through the ring at the sizes a request meets: each case creates a file, writes `size` bytes, reads them back,
// fsyncs and closes it, answered by the server; the model's trace is the expected one, step by step. The kernel target
// checks every byte both ways (a WRITE's payload against the file's pattern, a READ's result in the client).
import { errnoName } from '../../spec/errno.js';
import type { Command, Event } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { revision } from '../../spec/revisions.js';
import { families } from '../../spec/scenarios/families.js';
import { FUSE_OPCODE_NAME } from '../../spec/uapi/fuse_kernel.js';
import type { RevisionId } from '../../spec/types.js';
import { runCase, type CaseOutcome } from '../../fuzz/runCase.js';
import type { FuzzCase, Step } from '../target/case.js';
import type { Target } from '../target/target.js';

/** Sizes a data request meets, by stable name: the page, max_write and the ring's payload size, and one past it (split). */
export function dataSizes(maxWrite: number, maxPayload: number, page = 4096): readonly (readonly [string, number])[] {
  return [['zero', 0], ['one', 1], ['page_minus_1', page - 1], ['page', page], ['max_write_minus_1', maxWrite - 1], ['max_write', maxWrite],
    ['max_payload_sz', maxPayload], ['over_max_payload_sz', maxPayload + 1]];
}

export interface DataCase {
  /** `<rev> data.<set-up>`: the commit family whose ring set-up the case uses. */
  readonly family: string;
  readonly rule: string;
  readonly size: number;
  readonly case: FuzzCase;
}

/** The steps after a ring set-up: a file's whole life on client 0, each op answered by the server. */
export function fileLife(size: number, offset = 0, file = 'data0'): Step[] {
  const on = (tag: string, op: 'create' | 'write' | 'read' | 'fsync' | 'close', extra: object = {}): Step =>
    ({ kind: 'client', tag, op, cpu: 0, client: 0, ...extra }) as Step;
  return [
    on('create', 'create', { file }), { kind: 'serve', tag: 'serve.create' },
    on('write', 'write', { size, offset }), { kind: 'serve', tag: 'serve.write' },
    on('read', 'read', { size, offset }), { kind: 'serve', tag: 'serve.read' },
    on('fsync', 'fsync'), { kind: 'serve', tag: 'serve.fsync' },
    on('close', 'close'), { kind: 'serve', tag: 'serve.close' },
  ];
}

/** Every commit family's ring set-up (its REGISTERs, ADD_QUEUEs and ADD_BUFPOOLs) × every data size. */
export function dataCases(rev: RevisionId, nrCpus: number): DataCase[] {
  const r = revision(rev);
  return families(rev, nrCpus).filter((f) => f.table === 'commit_and_fetch').flatMap((f) => {
    const init = f.baseline.config.init!;
    const setup = f.baseline.prior.filter((c): c is Extract<Command, { kind: 'uring_cmd' }> => c.kind === 'uring_cmd');
    const name = f.name.replace(/ commit_and_fetch/, ' data');
    return dataSizes(init.max_write, maxPayloadSz(init, r.a)).map(([label, size]) => ({
      family: name, rule: `data.rw.${label}`, size, case: { config: f.baseline.config, steps: [...setup, ...fileLife(size)] },
    }));
  });
}

const opName = (op: number) => FUSE_OPCODE_NAME.get(op)?.replace(/^FUSE_/, '') ?? `op${op}`;

/** What a trace carried, in one line: the requests through the ring in order (runs of one opcode counted), then each client result. */
export function dataSummary(steps: readonly (readonly Event[] | { error: string })[], from: number): string {
  const reqs: string[] = [], clients: string[] = [];
  for (const s of steps.slice(from)) {
    if (!Array.isArray(s)) { clients.push(`error: ${(s as { error: string }).error}`); continue; }
    for (const e of s) {
      if (e.kind === 'cqe' && e.req) reqs.push(opName(e.req.opcode));
      if (e.kind === 'client_done') clients.push(`${e.tag} ${errnoName(e.res)}${e.data !== undefined ? ` data=${e.data}` : ''}`);
      if (e.kind === 'dev_request') reqs.push(`/dev/fuse ${opName(e.opcode)}`);
    }
  }
  const runs: { name: string; n: number }[] = [];
  for (const name of reqs) { const last = runs.at(-1); if (last?.name === name) last.n++; else runs.push({ name, n: 1 }); }
  return `ring: ${runs.map((r) => (r.n > 1 ? `${r.name}×${r.n}` : r.name)).join(' ') || 'nothing'}; ${clients.join(', ')}`;
}

export interface DataObservation { readonly observed: string; readonly failure: string | null }

/** Runs a data case on the model and the target; a failure names the first step whose events differ. */
export async function runDataCase(model: Target, target: Target, d: DataCase): Promise<DataObservation> {
  const out = await runCase(model, target, d.case);
  return { observed: dataSummary(out.trace.steps, d.case.steps.length - fileLife(0).length), failure: caseFailure(out) };
}

/** A case judged against the model: the first step whose events differ, or the target's problem, or null. */
export function caseFailure(out: CaseOutcome): string | null {
  if (out.mismatchAt === null) return out.problem;
  const s = out.steps[out.mismatchAt]!;
  return `step ${out.mismatchAt} (${s.step}): expected ${s.expected.join('; ') || 'nothing'}, got ${s.observed.join('; ') || 'nothing'}`;
}
