// The race program's wire layouts and values, mirrored from native-probe/src/raceProto.h (the engine and C reproducers).
import { bytes, layout, registry, u16, u32, u64 } from '../../spec/uapi/dsl.js';

const PROTO = 'native-probe/src/raceProto.h';

export const RACE_MAGIC = 0x65636172;
export const RACE_MAX = { threads: 16, barriers: 64, fds: 32, rings: 8, snaps: 64, snapBytes: 320 } as const;

export const race_step = layout('race_step', { size: 64, align: 8 }, `${PROTO}:struct race_step`, [
  [0, 'op', u16],
  [2, 'flags', u16],
  // int16 in C: -1 is written as 0xffff
  [4, 'slot', u16],
  [6, 'len', u16],
  [8, 'target', u32],
  [12, 'tag', u32],
  [16, 'a', u64],
  [24, 'b', u64],
  [32, 'c', u64],
  [40, 'imm', bytes(16)],
  [56, 'reserved', u64],
]);

export const race_snap = layout('race_snap', { size: 16, align: 8 }, `${PROTO}:struct race_snap`, [
  [0, 'ud', u64],
  [8, 'off', u32],
  [12, 'len', u32],
]);

export const race_header = layout('race_header', { size: 1368, align: 8 }, `${PROTO}:struct race_header`, [
  [0, 'magic', u32],
  [4, 'nthreads', u32],
  [8, 'nsteps', u32],
  [12, 'nsnaps', u32],
  [16, 'start', bytes(4 * (RACE_MAX.threads + 1))],
  [84, 'parties', bytes(4 * RACE_MAX.barriers)],
  [344, 'snaps', bytes(16 * RACE_MAX.snaps)],
]);

export const raceLookup = registry([race_step, race_snap, race_header]);

/** enum race_op. */
export const RACE_OP = {
  end: 0, ring_setup: 1, submit: 2, wait_cqe: 3, copy: 4, store: 5, jump_if: 6, barrier: 7, spin: 8, sleep: 9,
  close_ring: 10, close_fd: 11, write_path: 12, write_fd: 13, umount: 14, exit: 15, reap: 16, read_fd: 17,
} as const;
export type RaceOpName = keyof typeof RACE_OP;

/** RACE_F_*. */
export const RACE_F = { record: 1, not: 2, last: 4, stop: 8, status: 16 } as const;

/** enum race_status, by value. */
export const RACE_STATUS = ['ok', 'timeout', 'closed', 'stopped'] as const;
export type RaceStatus = (typeof RACE_STATUS)[number];

/** enum race_thread_state (raceVm.h), by value. */
export const RACE_THREAD_STATE = ['new', 'running', 'held', 'exited'] as const;
