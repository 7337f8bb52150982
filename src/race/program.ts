// A race program as data: per-thread steps over arena offsets, fd slots and ring slots; encoded for the engine.
import { match } from 'ts-pattern';
import { encode, encodeInto } from '../../spec/codec/codec.js';
import { RACE_F, RACE_MAGIC, RACE_MAX, RACE_OP, RACE_STATUS, race_header, race_snap, race_step, raceLookup, type RaceOpName, type RaceStatus } from './programLayout.js';

/** What a jump tests: memory (len bytes at an arena offset equal to value), the previous step's res, a stop request, nothing. */
export type JumpTest =
  | { readonly kind: 'mem'; readonly at: number; readonly len: number; readonly value: bigint }
  | { readonly kind: 'last'; readonly value: number }
  | { readonly kind: 'status'; readonly value: RaceStatus }
  | { readonly kind: 'stop' }
  | { readonly kind: 'always' };

/** One step; `tag` names it in the result rows (only steps with `record` get a row). Arena offsets are relative. */
export type Step = { readonly record?: boolean; readonly tag?: number } & (
  | { readonly op: 'end' }
  | { readonly op: 'ring_setup'; readonly ring: number; readonly entries: number; readonly flags: number }
  | { readonly op: 'submit'; readonly ring: number; readonly sqe: number }
  | { readonly op: 'wait_cqe'; readonly ring: number; readonly ud: bigint; readonly timeoutNs: number }
  | { readonly op: 'reap'; readonly ring: number; readonly timeoutNs: number }
  | { readonly op: 'copy'; readonly dst: number; readonly src: number; readonly len: number }
  | { readonly op: 'store'; readonly dst: number; readonly bytes: Uint8Array }
  | { readonly op: 'jump_if'; readonly test: JumpTest; readonly not?: boolean; readonly to: string }
  /** Not a step: names the position of the next one, for jumps. */
  | { readonly op: 'label'; readonly name: string }
  | { readonly op: 'barrier'; readonly id: number }
  /** Busy-wait `ns` (this iteration's jitter); a reproducer draws its own from [0, maxNs). */
  | { readonly op: 'spin'; readonly ns: number; readonly maxNs: number }
  | { readonly op: 'sleep'; readonly ns: number }
  | { readonly op: 'close_ring'; readonly ring: number }
  | { readonly op: 'close_fd'; readonly fd: number }
  | { readonly op: 'write_path'; readonly path: number; readonly data: number; readonly len: number }
  | { readonly op: 'write_fd'; readonly fd: number; readonly data: number; readonly len: number }
  /** Waits up to timeoutNs for fd slot `fd` to be readable, then reads `len` bytes into the arena at `into`. */
  | { readonly op: 'read_fd'; readonly fd: number; readonly into: number; readonly len: number; readonly timeoutNs: number }
  | { readonly op: 'umount'; readonly path: number; readonly flags: number }
  | { readonly op: 'exit' }
);

export interface ProgramThread { readonly name: string; readonly steps: readonly Step[] }

export interface Program {
  readonly threads: readonly ProgramThread[];
  /** Parties of each barrier, by id. */
  readonly barriers: readonly number[];
  /** CQEs with this user_data carry a copy of arena[off, off+len) taken when reaped. */
  readonly snaps: readonly { readonly ud: bigint; readonly off: number; readonly len: number }[];
}

export class ProgramError extends Error {}

/** The steps the engine runs (labels dropped) and where each label points, per thread. */
export function resolve(t: ProgramThread): { steps: Exclude<Step, { op: 'label' }>[]; labels: Map<string, number> } {
  const steps: Exclude<Step, { op: 'label' }>[] = [];
  const labels = new Map<string, number>();
  for (const s of t.steps) {
    if (s.op === 'label') labels.set(s.name, steps.length);
    else steps.push(s);
  }
  return { steps, labels };
}

type Fields = { op: RaceOpName; flags?: number; slot?: number; len?: number; target?: number; a?: bigint; b?: bigint; imm?: Uint8Array };

function fields(s: Exclude<Step, { op: 'label' }>, labels: Map<string, number>, thread: string): Fields {
  const n = (x: number | bigint) => BigInt(x);
  return match(s)
    .with({ op: 'end' }, { op: 'exit' }, (x) => ({ op: x.op }))
    .with({ op: 'ring_setup' }, (x) => ({ op: x.op, slot: x.ring, a: n(x.entries), b: n(x.flags) }))
    .with({ op: 'submit' }, (x) => ({ op: x.op, slot: x.ring, a: n(x.sqe) }))
    .with({ op: 'wait_cqe' }, (x) => ({ op: x.op, slot: x.ring, a: x.ud, b: n(x.timeoutNs) }))
    .with({ op: 'reap' }, (x) => ({ op: x.op, slot: x.ring, b: n(x.timeoutNs) }))
    .with({ op: 'copy' }, (x) => ({ op: x.op, a: n(x.dst), b: n(x.src), len: x.len }))
    .with({ op: 'store' }, (x) => {
      if (x.bytes.length > 16) throw new ProgramError(`${thread}: a store takes at most 16 bytes, not ${x.bytes.length}`);
      return { op: x.op, a: n(x.dst), len: x.bytes.length, imm: x.bytes };
    })
    .with({ op: 'jump_if' }, (x) => {
      const target = labels.get(x.to);
      if (target === undefined) throw new ProgramError(`${thread}: jump to unknown label ${x.to}`);
      const base = { op: x.op, target, flags: x.not ? RACE_F.not : 0 };
      return match(x.test)
        .with({ kind: 'mem' }, (t) => ({ ...base, a: n(t.at), len: t.len, b: BigInt.asUintN(64, t.value) }))
        .with({ kind: 'last' }, (t) => ({ ...base, flags: base.flags | RACE_F.last, b: BigInt.asUintN(64, n(t.value)) }))
        .with({ kind: 'status' }, (t) => ({ ...base, flags: base.flags | RACE_F.status, b: n(RACE_STATUS.indexOf(t.value)) }))
        .with({ kind: 'stop' }, () => ({ ...base, flags: base.flags | RACE_F.stop }))
        .with({ kind: 'always' }, () => ({ ...base, len: 0 }))
        .exhaustive();
    })
    .with({ op: 'barrier' }, (x) => ({ op: x.op, target: x.id }))
    .with({ op: 'spin' }, (x) => ({ op: x.op, a: n(x.ns), b: n(x.maxNs) }))
    .with({ op: 'sleep' }, (x) => ({ op: x.op, a: n(x.ns) }))
    .with({ op: 'close_ring' }, (x) => ({ op: x.op, slot: x.ring }))
    .with({ op: 'close_fd' }, (x) => ({ op: x.op, slot: x.fd }))
    .with({ op: 'write_path' }, (x) => ({ op: x.op, a: n(x.path), b: n(x.data), len: x.len }))
    .with({ op: 'write_fd' }, (x) => ({ op: x.op, slot: x.fd, a: n(x.data), len: x.len }))
    .with({ op: 'read_fd' }, (x) => ({ op: x.op, slot: x.fd, a: n(x.into), len: x.len, b: n(x.timeoutNs) }))
    .with({ op: 'umount' }, (x) => ({ op: x.op, a: n(x.path), b: n(x.flags) }))
    .exhaustive();
}

const u32s = (xs: readonly number[], size: number): Uint8Array => {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setUint32(4 * i, x >>> 0, true));
  return b;
};

/** The bytes raceStart takes: struct race_header, then every thread's steps in thread order. */
export function encodeProgram(p: Program): Buffer {
  if (p.threads.length === 0 || p.threads.length > RACE_MAX.threads) throw new ProgramError(`a race has 1 to ${RACE_MAX.threads} threads, not ${p.threads.length}`);
  if (p.barriers.length > RACE_MAX.barriers) throw new ProgramError(`at most ${RACE_MAX.barriers} barriers, not ${p.barriers.length}`);
  if (p.snaps.length > RACE_MAX.snaps) throw new ProgramError(`at most ${RACE_MAX.snaps} snapshots, not ${p.snaps.length}`);
  const resolved = p.threads.map(resolve);
  const start: number[] = [0];
  for (const r of resolved) start.push(start[start.length - 1]! + r.steps.length);
  const nsteps = start[start.length - 1]!;
  const out = Buffer.alloc(race_header.size + nsteps * race_step.size);
  const snaps = new Uint8Array(16 * RACE_MAX.snaps);
  p.snaps.forEach((s, i) => encodeInto(race_snap, { ud: s.ud, off: s.off, len: Math.min(s.len, RACE_MAX.snapBytes) }, snaps, 16 * i, raceLookup));
  out.set(encode(race_header, {
    magic: RACE_MAGIC, nthreads: p.threads.length, nsteps, nsnaps: p.snaps.length,
    start: u32s(start, 4 * (RACE_MAX.threads + 1)), parties: u32s(p.barriers, 4 * RACE_MAX.barriers), snaps,
  }, raceLookup), 0);
  resolved.forEach((r, t) => r.steps.forEach((s, i) => {
    const f = fields(s, r.labels, p.threads[t]!.name);
    encodeInto(race_step, {
      op: RACE_OP[f.op], flags: (f.flags ?? 0) | (s.record ? RACE_F.record : 0), slot: (f.slot ?? -1) & 0xffff, len: f.len ?? 0,
      target: f.target ?? 0, tag: s.tag ?? 0, a: f.a ?? 0n, b: f.b ?? 0n, c: 0n, ...(f.imm ? { imm: f.imm } : {}),
    }, out, race_header.size + (start[t]! + i) * race_step.size, raceLookup);
  }));
  return out;
}
