// Background depth over the ring: a buffered read on a page-cache open makes readahead send READs in the background
// (FUSE_ASYNC_READ); the kernel keeps min(max_background, the queue's entries) of them in flight, and refills that depth
// as each is answered ("fuse: fix io-uring background queue dispatch on request completion", 2026-04-08, cut it to ~1).
// The model has no page cache, so these cases are judged on what the kernel's own trace shows against those bounds.
import { errnoName } from '../../spec/errno.js';
import type { Command, Event } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { revision } from '../../spec/revisions.js';
import { families } from '../../spec/scenarios/families.js';
import { FUSE_INIT_FLAG, FUSE_OPCODE } from '../../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import type { RevisionId } from '../../spec/types.js';
import { runCase, traceOf } from '../../fuzz/runCase.js';
import { caseFailure } from './data.js';
import type { CaseTrace, FuzzCase, Step } from '../target/case.js';
import type { Target } from '../target/target.js';

/** The server's max_background in these cases, and the READs the read leaves answered one COMMIT at a time. */
export const BG_MAX = 4, BG_COMMITS = 6, BG_READ = 65536;

export interface BackgroundCase {
  readonly family: string;
  readonly rule: 'data.background.depth';
  /** What may be in flight on queue 0: min(max_background, its entries, its pool's buffers). */
  readonly bound: number;
  readonly boundWhy: string;
  readonly case: FuzzCase;
  /** Index of the client read step; the COMMIT steps follow it. */
  readonly readStep: number;
}

type UringStep = Extract<Command, { kind: 'uring_cmd' }>;

/**
 * Each commit family's ring set-up, `extra` more REGISTERs on queue 0 like its own, and its own COMMIT aimed by delivery
 * (a registered pool's carries FIXED and its buf_index, else 7.3 answers -EINVAL).
 */
function queue0Families(rev: RevisionId, nrCpus: number, extra: number, suffix: string) {
  return families(rev, nrCpus).filter((f) => f.table === 'commit_and_fetch').map((f) => {
    const setup = f.baseline.prior.filter((c): c is UringStep => c.kind === 'uring_cmd');
    const reg0 = setup.find((c) => c.sqe.cmd_op === FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER && c.sqe.qid === 0)!;
    const { commit_id: _byDelivery, ...commitSqe } = f.baseline.probe;
    return {
      f, family: f.name.replace(/ commit_and_fetch/, ' data'),
      setup: [...setup, ...Array.from({ length: extra }, (_, i): UringStep => ({ ...reg0, tag: `${reg0.tag}.${suffix}${i}` }))],
      pool: setup.find((c) => c.sqe.cmd_op === FUSE_URING_CMD.FUSE_IO_URING_CMD_ADD_BUFPOOL && c.sqe.qid === 0),
      commit: (tag: string, delivered: number): Step => ({ kind: 'uring_cmd', tag, commit: { ref: { delivered }, sameQueue: true }, sqe: { ...commitSqe, qid: 0 } }),
    };
  });
}

/** Every commit family's ring set-up with max_background BG_MAX and BG_MAX + 2 entries on queue 0. */
export function backgroundCases(rev: RevisionId, nrCpus: number): BackgroundCase[] {
  const r = revision(rev);
  return queue0Families(rev, nrCpus, BG_MAX + 1, 'bg').map(({ f, family, setup, pool, commit }) => {
    const base = f.baseline.config.init!;
    // One page per READ, so readahead's window becomes many background requests.
    const init = { ...base, flags: base.flags | FUSE_INIT_FLAG.FUSE_ASYNC_READ, max_pages: 1, max_background: BG_MAX };
    const entries = BG_MAX + 2;
    const bufs = pool ? Math.floor((pool.sqe.bufpool?.len ?? 0) / maxPayloadSz(init, r.a)) : Infinity;
    const bound = Math.min(BG_MAX, entries, bufs);
    const on = (tag: string, op: 'open' | 'read' | 'close', extra: object = {}): Step => ({ kind: 'client', tag, op, cpu: 0, client: 0, ...extra }) as Step;
    const pre: Step[] = [...setup, on('open', 'open', { file: 'big' }), { kind: 'serve', tag: 'serve.open' }];
    // Deliveries are counted from the case's start: the open's LOOKUP and OPEN are 0 and 1, the READs from 2.
    const commits = Array.from({ length: BG_COMMITS }, (_, k) => commit(`commit.${k}`, 2 + k));
    const steps: Step[] = [...pre, on('read', 'read', { size: BG_READ, offset: 0 }), ...commits, { kind: 'serve', tag: 'serve.rest' }, on('close', 'close'), { kind: 'serve', tag: 'serve.close' }];
    return {
      family, rule: 'data.background.depth' as const, bound,
      boundWhy: `max_background ${BG_MAX}, ${entries} entries on queue 0${pool ? `, ${bufs} pool buffers` : ''}`,
      case: { config: { ...f.baseline.config, init, open_flags: 0 }, steps }, readStep: pre.length,
    };
  });
}

export interface DepthObservation {
  /** READs readahead sent in all. */
  readonly total: number;
  /** READs delivered and not yet answered on queue 0, after the read step and after each COMMIT step. */
  readonly depths: readonly number[];
  readonly readResult: string;
  /** COMMIT steps the kernel refused (their own CQE negative): their number (1-based) and errno. */
  readonly refused: readonly string[];
}

/** Counts in-flight background READs step by step from a trace of a background case. */
export function observeDepth(b: BackgroundCase, t: CaseTrace): DepthObservation {
  const events = (i: number): readonly Event[] => { const s = t.steps[i]; return s !== undefined && Array.isArray(s) ? s as Event[] : []; };
  const reads = (i: number) => events(i).filter((e) => e.kind === 'cqe' && e.req?.opcode === FUSE_OPCODE.FUSE_READ).length;
  let delivered = reads(b.readStep);
  const depths = [delivered];
  for (let k = 1; k <= BG_COMMITS; k++) { delivered += reads(b.readStep + k); depths.push(delivered - k); }
  let total = delivered;
  for (let i = b.readStep + BG_COMMITS + 1; i < t.steps.length; i++) total += reads(i);
  const refused = Array.from({ length: BG_COMMITS }, (_, k) => events(b.readStep + 1 + k).find((e) => e.kind === 'cqe' && e.tag === `commit.${k}` && e.res < 0))
    .flatMap((e, k) => (e?.kind === 'cqe' ? [`COMMIT ${k + 1} ${errnoName(e.res)}`] : []));
  const done = t.steps.flatMap((_, i) => events(i)).find((e) => e.kind === 'client_done' && e.tag === 'read');
  const readResult = done?.kind === 'client_done' ? `${done.res}${done.data ? ` data=${done.data}` : ''}` : 'not done';
  return { total, depths, readResult, refused };
}

/** null when the depths are what the bound allows and demands; else what was wrong. */
export function judgeDepth(o: DepthObservation, bound: number): string | null {
  if (o.refused.length) return `the kernel refused ${o.refused.join(', ')}: nothing was answered, so no depth was measured`;
  if (o.readResult !== `${BG_READ} data=ok`) return `the read returned ${o.readResult}, not ${BG_READ} bytes of the file`;
  if (o.total < BG_COMMITS + bound) return `readahead sent only ${o.total} READs, too few to measure a depth of ${bound} over ${BG_COMMITS} COMMITs`;
  const over = o.depths.findIndex((d) => d > bound);
  if (over >= 0) return `${o.depths[over]} background READs in flight ${over === 0 ? 'after the read' : `after COMMIT ${over}`}, more than ${bound}`;
  const short = o.depths.findIndex((d) => d < bound);
  if (short >= 0) return `${o.depths[short]} background READs in flight ${short === 0 ? 'after the read' : `after COMMIT ${short}`} with ${o.total - short} unanswered: the queue was not refilled to ${bound}`;
  return null;
}

export const showDepth = (o: DepthObservation): string =>
  `READs ${o.total}; in flight ${o.depths.join(' ')}; read ${o.readResult}${o.refused.length ? `; refused ${o.refused.join(', ')}` : ''}`;

/** Runs a background case on the target: null failure when the kernel kept the depth the bound says. */
export async function runBackgroundCase(target: Target, b: BackgroundCase): Promise<{ observed: string; failure: string | null }> {
  const t = await traceOf(target, b.case);
  const o = observeDepth(b, t);
  const err = t.steps.find((s) => !Array.isArray(s));
  const failure = err ? `a step failed: ${(err as { error: string }).error}` : 'error' in t.teardown ? `teardown: ${t.teardown.error}` : judgeDepth(o, b.bound);
  return { observed: showDepth(o), failure };
}

/** Forced background requests (close's RELEASE passes fuse_block_alloc's gate) with max_background RELEASE_MAX: the model judges. */
export const RELEASE_MAX = 2, RELEASE_CLIENTS = 4;

export interface ReleaseCase { readonly family: string; readonly rule: 'data.background.release'; readonly case: FuzzCase }

/**
 * Four clients close their files; each FLUSH is answered alone, and each close's RELEASE then joins the ring's
 * background list: at most RELEASE_MAX are delivered at once, and answering one lets the next through (fuse_uring_req_end
 * flushes the queue's bg list; reverting "fix io-uring background queue dispatch on request completion" leaves it).
 */
export function releaseCases(rev: RevisionId, nrCpus: number): ReleaseCase[] {
  return queue0Families(rev, nrCpus, RELEASE_CLIENTS, 'rel').map(({ f, family, setup, commit }) => {
    const init = { ...f.baseline.config.init!, max_background: RELEASE_MAX };
    const clients = Array.from({ length: RELEASE_CLIENTS }, (_, c) => c);
    const on = (c: number, tag: string, op: 'open' | 'close', extra: object = {}): Step => ({ kind: 'client', tag, op, cpu: 0, client: c, ...extra }) as Step;
    // Deliveries: LOOKUP 0, the four OPENs 1..4, the four FLUSHes 5..8, then RELEASEs from 9.
    const steps: Step[] = [...setup,
      ...clients.flatMap((c) => [on(c, `open.${c}`, 'open', { file: 'small' }), { kind: 'serve', tag: `serve.open.${c}` } as Step]),
      ...clients.map((c) => on(c, `close.${c}`, 'close')),
      ...clients.map((c) => commit(`flush.${c}`, 5 + c)),
      commit('release.0', 9), { kind: 'serve', tag: 'serve.rest' }];
    return { family, rule: 'data.background.release' as const, case: { config: { ...f.baseline.config, init }, steps } };
  });
}

/** Runs a release case on the model and the target, step by step; observed: the RELEASEs each COMMIT brought. */
export async function runReleaseCase(model: Target, target: Target, r: ReleaseCase): Promise<{ observed: string; failure: string | null }> {
  const out = await runCase(model, target, r.case);
  const commits = r.case.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'uring_cmd' && s.commit !== undefined);
  const releasesOf = (i: number) => { const s = out.trace.steps[i]; return Array.isArray(s) ? (s as Event[]).filter((e) => e.kind === 'cqe' && e.req?.opcode === FUSE_OPCODE.FUSE_RELEASE).length : 0; };
  const observed = `RELEASEs delivered by each COMMIT: ${commits.map(({ s, i }) => `${(s as { tag?: string }).tag} ${releasesOf(i)}`).join(', ')}`;
  return { observed, failure: caseFailure(out) };
}
