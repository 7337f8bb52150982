// FUSE protocol structs and constants from include/uapi/linux/fuse.h that the ring carries.
import { bytes, constant, dir, flags, i32, layout, u16, u32, u64, const0 } from './dsl.js';

const H = 'include/uapi/linux/fuse.h';

export const fuse_in_header = layout('fuse_in_header', { size: 40, align: 8 }, `${H}:struct fuse_in_header`, [
  [0, 'len', u32],
  [4, 'opcode', u32],
  [8, 'unique', u64],
  [16, 'nodeid', u64],
  [24, 'uid', u32],
  [28, 'gid', u32],
  [32, 'pid', u32],
  [36, 'total_extlen', u16],
  [38, 'padding', u16, const0],
]);

export const fuse_out_header = layout('fuse_out_header', { size: 16, align: 8 }, `${H}:struct fuse_out_header`, [
  [0, 'len', u32],
  [4, 'error', i32],
  [8, 'unique', u64],
]);

export const fuse_init_in = layout('fuse_init_in', { size: 64, align: 4 }, `${H}:struct fuse_init_in`, [
  [0, 'major', u32],
  [4, 'minor', u32],
  [8, 'max_readahead', u32],
  [12, 'flags', u32, flags('FUSE_INIT')],
  [16, 'flags2', u32, flags('FUSE_INIT_HI')],
  [20, 'unused', bytes(44), const0],
]);

export const fuse_init_out = layout('fuse_init_out', { size: 64, align: 4 }, `${H}:struct fuse_init_out`, [
  [0, 'major', u32],
  [4, 'minor', u32],
  [8, 'max_readahead', u32],
  [12, 'flags', u32, flags('FUSE_INIT')],
  [16, 'max_background', u16],
  [18, 'congestion_threshold', u16],
  [20, 'max_write', u32],
  [24, 'time_gran', u32],
  [28, 'max_pages', u16],
  [30, 'map_alignment', u16],
  [32, 'flags2', u32, flags('FUSE_INIT_HI')],
  [36, 'max_stack_depth', u32],
  [40, 'request_timeout', u16],
  [42, 'unused', bytes(22), const0],
]);

export const fuse_getattr_in = layout('fuse_getattr_in', { size: 16, align: 8 }, `${H}:struct fuse_getattr_in`, [
  [0, 'getattr_flags', u32],
  [4, 'dummy', u32, const0],
  [8, 'fh', u64],
]);

export const fuse_attr = layout('fuse_attr', { size: 88, align: 8 }, `${H}:struct fuse_attr`, [
  [0, 'ino', u64], [8, 'size', u64], [16, 'blocks', u64],
  [24, 'atime', u64], [32, 'mtime', u64], [40, 'ctime', u64],
  [48, 'atimensec', u32], [52, 'mtimensec', u32], [56, 'ctimensec', u32],
  [60, 'mode', u32], [64, 'nlink', u32], [68, 'uid', u32], [72, 'gid', u32],
  [76, 'rdev', u32], [80, 'blksize', u32], [84, 'flags', u32],
]);

export const fuse_attr_out = layout('fuse_attr_out', { size: 104, align: 8 }, `${H}:struct fuse_attr_out`, [
  [0, 'attr_valid', u64, dir('out')],
  [8, 'attr_valid_nsec', u32, dir('out')],
  [12, 'dummy', u32, const0],
  [16, 'attr', { kind: 'struct', layout: 'fuse_attr' }, dir('out')],
]);

export const fuse_read_in = layout('fuse_read_in', { size: 40, align: 8 }, `${H}:struct fuse_read_in`, [
  [0, 'fh', u64], [8, 'offset', u64], [16, 'size', u32], [20, 'read_flags', u32],
  [24, 'lock_owner', u64], [32, 'flags', u32], [36, 'padding', u32, const0],
]);

export const fuse_write_in = layout('fuse_write_in', { size: 40, align: 8 }, `${H}:struct fuse_write_in`, [
  [0, 'fh', u64], [8, 'offset', u64], [16, 'size', u32], [20, 'write_flags', u32],
  [24, 'lock_owner', u64], [32, 'flags', u32], [36, 'padding', u32, const0],
]);

export const fuse_write_out = layout('fuse_write_out', { size: 8, align: 4 }, `${H}:struct fuse_write_out`, [
  [0, 'size', u32], [4, 'padding', u32, const0],
]);

export const fuse_open_out = layout('fuse_open_out', { size: 16, align: 8 }, `${H}:struct fuse_open_out`, [
  [0, 'fh', u64], [8, 'open_flags', u32, flags('FOPEN')], [12, 'backing_id', i32],
]);

export const fuse_entry_out = layout('fuse_entry_out', { size: 128, align: 8 }, `${H}:struct fuse_entry_out`, [
  [0, 'nodeid', u64, dir('out')], [8, 'generation', u64, dir('out')], [16, 'entry_valid', u64, dir('out')],
  [24, 'attr_valid', u64, dir('out')], [32, 'entry_valid_nsec', u32, dir('out')], [36, 'attr_valid_nsec', u32, dir('out')],
  [40, 'attr', { kind: 'struct', layout: 'fuse_attr' }, dir('out')],
]);

export const fuse_open_in = layout('fuse_open_in', { size: 8, align: 4 }, `${H}:struct fuse_open_in`, [
  [0, 'flags', u32], [4, 'open_flags', u32],
]);

export const fuse_create_in = layout('fuse_create_in', { size: 16, align: 4 }, `${H}:struct fuse_create_in`, [
  [0, 'flags', u32], [4, 'mode', u32], [8, 'umask', u32], [12, 'open_flags', u32],
]);

export const fuse_flush_in = layout('fuse_flush_in', { size: 24, align: 8 }, `${H}:struct fuse_flush_in`, [
  [0, 'fh', u64], [8, 'unused', u32], [12, 'padding', u32, const0], [16, 'lock_owner', u64],
]);

export const fuse_release_in = layout('fuse_release_in', { size: 24, align: 8 }, `${H}:struct fuse_release_in`, [
  [0, 'fh', u64], [8, 'flags', u32], [12, 'release_flags', u32], [16, 'lock_owner', u64],
]);

export const fuse_fsync_in = layout('fuse_fsync_in', { size: 16, align: 8 }, `${H}:struct fuse_fsync_in`, [
  [0, 'fh', u64], [8, 'fsync_flags', u32], [12, 'padding', u32, const0],
]);

export const FUSE_KERNEL_LAYOUTS = [
  fuse_in_header, fuse_out_header, fuse_init_in, fuse_init_out, fuse_getattr_in, fuse_attr,
  fuse_attr_out, fuse_read_in, fuse_write_in, fuse_write_out, fuse_open_out, fuse_entry_out,
  fuse_open_in, fuse_create_in, fuse_flush_in, fuse_release_in, fuse_fsync_in,
] as const;

/** Opcodes the harness drives (enum fuse_opcode). */
export const FUSE_OPCODE = {
  FUSE_LOOKUP: 1, FUSE_FORGET: 2, FUSE_GETATTR: 3, FUSE_SETATTR: 4, FUSE_OPEN: 14, FUSE_READ: 15,
  FUSE_WRITE: 16, FUSE_STATFS: 17, FUSE_RELEASE: 18, FUSE_FSYNC: 20, FUSE_FLUSH: 25, FUSE_INIT: 26, FUSE_OPENDIR: 27,
  FUSE_READDIR: 28, FUSE_RELEASEDIR: 29, FUSE_ACCESS: 34, FUSE_CREATE: 35, FUSE_INTERRUPT: 36, FUSE_DESTROY: 38,
  FUSE_BATCH_FORGET: 42, FUSE_READDIRPLUS: 44, FUSE_STATX: 52,
} as const;

/** FUSE_OPCODE read backwards: an opcode's name, for traces and coverage. */
export const FUSE_OPCODE_NAME: ReadonlyMap<number, string> = new Map(Object.entries(FUSE_OPCODE).map(([k, v]) => [Number(v), k]));

/** fuse_open_out.open_flags the harness's server may answer with. */
export const FOPEN = { FOPEN_DIRECT_IO: 1 << 0, FOPEN_KEEP_CACHE: 1 << 1, FOPEN_IO_URING_ZERO_COPY: 1 << 8 } as const;
export type FuseOpcodeName = keyof typeof FUSE_OPCODE;

/** INIT flags as the 64-bit value flags | flags2 << 32 (FUSE_INIT_EXT carries the high word). */
export const FUSE_INIT_FLAG = {
  FUSE_ASYNC_READ: 1n << 0n, FUSE_POSIX_LOCKS: 1n << 1n, FUSE_ATOMIC_O_TRUNC: 1n << 3n,
  FUSE_EXPORT_SUPPORT: 1n << 4n, FUSE_BIG_WRITES: 1n << 5n, FUSE_DONT_MASK: 1n << 6n,
  FUSE_AUTO_INVAL_DATA: 1n << 12n, FUSE_DO_READDIRPLUS: 1n << 13n, FUSE_ASYNC_DIO: 1n << 15n,
  FUSE_WRITEBACK_CACHE: 1n << 16n, FUSE_PARALLEL_DIROPS: 1n << 18n, FUSE_ABORT_ERROR: 1n << 21n,
  FUSE_MAX_PAGES: 1n << 22n, FUSE_CACHE_SYMLINKS: 1n << 23n, FUSE_INIT_EXT: 1n << 30n,
  FUSE_PASSTHROUGH: 1n << 37n, FUSE_OVER_IO_URING: 1n << 41n, FUSE_REQUEST_TIMEOUT: 1n << 42n,
} as const;

/** ioctl numbers on /dev/fuse: _IO(FUSE_DEV_IOC_MAGIC 229, nr). */
export const FUSE_DEV_IOC = { FUSE_DEV_IOC_SYNC_INIT: (229 << 8) | 3 } as const;

/** The protocol major and the smallest read(2) buffer /dev/fuse takes. */
export const FUSE_KERNEL_VERSION = 7;
export const FUSE_MIN_READ_BUFFER = 8192;
/** The bit that marks an interrupt's unique: kernel-internal (fs/fuse/fuse_dev_i.h in 7.2 and 7.3), not in fuse.h. */
export const FUSE_INT_REQ_BIT = 1n;

export const FUSE_KERNEL_CONSTANTS = [
  constant('FUSE_KERNEL_VERSION', FUSE_KERNEL_VERSION, `${H}:FUSE_KERNEL_VERSION`),
  constant('FUSE_MIN_READ_BUFFER', FUSE_MIN_READ_BUFFER, `${H}:FUSE_MIN_READ_BUFFER`),
  ...Object.entries(FUSE_INIT_FLAG).map(([k, v]) => constant(k, v, `${H}:${k}`)),
  constant('FUSE_INT_REQ_BIT', FUSE_INT_REQ_BIT, 'fs/fuse/fuse_dev_i.h:FUSE_INT_REQ_BIT'),
  constant('FOPEN_DIRECT_IO', FOPEN.FOPEN_DIRECT_IO, `${H}:FOPEN_DIRECT_IO`),
  constant('FOPEN_KEEP_CACHE', FOPEN.FOPEN_KEEP_CACHE, `${H}:FOPEN_KEEP_CACHE`),
  constant('FUSE_DEV_IOC_SYNC_INIT', FUSE_DEV_IOC.FUSE_DEV_IOC_SYNC_INIT, `${H}:FUSE_DEV_IOC_SYNC_INIT _IO(229, 3) (6.18)`),
  ...Object.entries(FUSE_OPCODE).map(([k, v]) => constant(k, v, `${H}:enum fuse_opcode`)),
] as const;
