// The race engine on io_uring NOPs alone (no FUSE): threads, barriers, shared rings, jumps, stop and finish.
import { afterEach, describe, expect, it } from 'vitest';
import { loadProbe } from '../../native-probe/index.js';
import { encode } from '../../spec/codec/codec.js';
import { ERRNO } from '../../spec/errno.js';
import { registry } from '../../spec/uapi/dsl.js';
import { IORING_OP_NOP, IORING_SETUP_SQE128, io_uring_sqe$uring_cmd } from '../../spec/uapi/io_uring.js';
import { ArenaBuilder, materialize } from '../../src/race/arena.js';
import { encodeProgram, type Program } from '../../src/race/program.js';

const probe = loadProbe();
const p = typeof probe === 'string' ? null : probe;
const nop = (ud: bigint) => encode(io_uring_sqe$uring_cmd, { opcode: IORING_OP_NOP, user_data: ud }, registry([io_uring_sqe$uring_cmd]));
const MS = 1_000_000;

function start(prog: Program, arena: ArenaBuilder): ArrayBuffer {
  const a = arena.build();
  const mem = p!.alloc(a.size);
  if (typeof mem === 'number') throw new Error(`alloc: ${mem}`);
  materialize(a, new Uint8Array(mem), p!.addressOf(mem), []);
  expect(p!.raceStart(encodeProgram(prog), mem, [])).toBe(0);
  return mem;
}

describe.skipIf(p === null)('race engine on NOPs', () => {
  afterEach(() => { p!.raceStop(); p!.raceFinish(2000); });

  it('should give a NOP submitted by thread 1 on a ring thread 0 set up to thread 0 waiting for user_data 7 (res 0)', () => {
    const arena = new ArenaBuilder();
    const sqe = arena.data(nop(7n));
    start({
      threads: [
        { name: 'owner', steps: [{ op: 'ring_setup', ring: 0, entries: 8, flags: IORING_SETUP_SQE128, record: true, tag: 1 }, { op: 'barrier', id: 0 }, { op: 'wait_cqe', ring: 0, ud: 7n, timeoutNs: 2000 * MS, record: true, tag: 2 }] },
        { name: 'other', steps: [{ op: 'barrier', id: 0 }, { op: 'submit', ring: 0, sqe, record: true, tag: 3 }] },
      ],
      barriers: [2], snaps: [],
    }, arena);
    expect(p!.raceWait(5000)).toBe(0);
    const st = p!.raceState();
    if (typeof st === 'number') throw new Error(`raceState: ${st}`);
    const byTag = new Map(st.rows.map((r) => [r[2], r]));
    expect(byTag.get(1)![4]).toBeGreaterThan(2);
    expect([byTag.get(3)![3], byTag.get(3)![4]]).toEqual([0, 1]);
    expect([byTag.get(2)![3], byTag.get(2)![4]]).toEqual([0, 0]);
    expect(st.cqes.map((c) => [c[1], c[2], c[5]])).toEqual([[7n, 0, true]]);
    expect(st.threads.map((t) => t[1])).toEqual([2, 2]);
    expect(p!.raceFinish(2000)).toBe(0);
    expect(p!.raceState()).toBe(-ERRNO.ENOENT);
  });

  it('should loop 5 times through a counter byte (copy, jump on memory) and snapshot 8 arena bytes into the CQE of user_data 9', () => {
    const arena = new ArenaBuilder();
    const counter = arena.alloc(8);
    const plus = arena.alloc(8 * 6);
    // counter := plus[counter]: a successor table, since the engine has no arithmetic.
    arena.put(plus, Uint8Array.from(Array.from({ length: 48 }, (_, i) => (i % 8 === 0 ? i / 8 + 1 : 0))));
    const idx = arena.alloc(8);
    const sqe = arena.data(nop(9n));
    const steps: Program['threads'][number]['steps'] = [
      { op: 'ring_setup', ring: 0, entries: 8, flags: IORING_SETUP_SQE128 },
      { op: 'label', name: 'top' },
      ...[0, 1, 2, 3, 4].flatMap((v) => [
        { op: 'jump_if' as const, test: { kind: 'mem' as const, at: counter, len: 1, value: BigInt(v) }, not: true, to: `skip${v}` },
        { op: 'copy' as const, dst: idx, src: plus + 8 * v, len: 8 },
        { op: 'label' as const, name: `skip${v}` },
      ]),
      { op: 'copy', dst: counter, src: idx, len: 8 },
      { op: 'jump_if', test: { kind: 'mem', at: counter, len: 1, value: 5n }, not: true, to: 'top' },
      { op: 'submit', ring: 0, sqe },
      { op: 'wait_cqe', ring: 0, ud: 9n, timeoutNs: 2000 * MS, record: true, tag: 5 },
    ];
    const mem = start({ threads: [{ name: 'loop', steps }], barriers: [], snaps: [{ ud: 9n, off: counter, len: 8 }] }, arena);
    expect(p!.raceWait(5000)).toBe(0);
    const st = p!.raceState();
    if (typeof st === 'number') throw new Error(`raceState: ${st}`);
    expect(new Uint8Array(mem)[counter]).toBe(5);
    expect([...st.cqes[0]![6]!]).toEqual([5, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('should end a wait for a CQE that never comes with status stopped once raceStop is called, and join every thread', () => {
    const arena = new ArenaBuilder();
    start({ threads: [{ name: 'waiter', steps: [{ op: 'ring_setup', ring: 0, entries: 8, flags: 0 }, { op: 'wait_cqe', ring: 0, ud: 1n, timeoutNs: 60_000 * MS, record: true, tag: 1 }] }], barriers: [], snaps: [] }, arena);
    expect(p!.raceWait(50)).toBe(1);
    p!.raceStop();
    expect(p!.raceWait(2000)).toBe(0);
    const st = p!.raceState();
    if (typeof st === 'number') throw new Error(`raceState: ${st}`);
    expect(st.rows.map((r) => r[3])).toEqual([3]);
    expect(p!.raceFinish(2000)).toBe(0);
  });

  it('should answer a second raceStart while one is live with -EBUSY', () => {
    const arena = new ArenaBuilder();
    start({ threads: [{ name: 'idle', steps: [] }], barriers: [], snaps: [] }, arena);
    const a = arena.build();
    const mem = p!.alloc(a.size) as ArrayBuffer;
    expect(p!.raceStart(encodeProgram({ threads: [{ name: 'x', steps: [] }], barriers: [], snaps: [] }), mem, [])).toBe(-ERRNO.EBUSY);
  });

  it('should submit nothing once a thread has closed the ring: the next submit has status closed and res -EBADF', () => {
    const arena = new ArenaBuilder();
    const sqe = arena.data(nop(3n));
    start({ threads: [{ name: 't', steps: [{ op: 'ring_setup', ring: 0, entries: 8, flags: IORING_SETUP_SQE128 }, { op: 'close_ring', ring: 0 }, { op: 'submit', ring: 0, sqe, record: true, tag: 1 }] }], barriers: [], snaps: [] }, arena);
    expect(p!.raceWait(2000)).toBe(0);
    const st = p!.raceState();
    if (typeof st === 'number') throw new Error(`raceState: ${st}`);
    expect(st.rows.map((r) => [r[3], r[4]])).toEqual([[2, -ERRNO.EBADF]]);
  });
});
