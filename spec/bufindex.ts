// Buffer-index layouts per queue model (a Revision's queueModel): (flags, queue depth, sizes) → fixed-buffer slots and header slots.
import { IORING_CQE_BUFFER_SHIFT, IORING_CQE_F_BUFFER } from './uapi/io_uring.js';
import { fuse_uring_req_header } from './uapi/fuse_uring.js';
import { match } from 'ts-pattern';
import type { QueueModelId } from './revisions.js';

export const HEADER_SZ = fuse_uring_req_header.size;

export type Role = 'headers' | 'zero_copy_pages' | 'pool';

/** One io_uring registered-buffer table slot. */
export interface FixedSlot { readonly index: number; readonly role: Role; readonly sparse: boolean; readonly entry?: number }
/** Where an entry's fuse_uring_req_header lives: region ('headers' buffer or the entry's own iovec) and offset. */
export interface HeaderSlot { readonly entry: number; readonly region: 'headers' | 'entry_iovec'; readonly offset: number }
export interface PayloadBuffer { readonly id: number; readonly offset: number; readonly size: number }

export interface BufferLayout {
  readonly fixed: readonly FixedSlot[];
  readonly headerSlots: readonly HeaderSlot[];
  readonly headersRegionSize: number;
  readonly payload: readonly PayloadBuffer[];
  /** How the server learns which payload buffer a request got. */
  readonly bufIdReport: 'none' | 'cqe_flags' | 'ent_in_out.buf_id' | 'ent_in_out.offset';
}

export interface BufferParams {
  readonly queue_depth: number;
  readonly bufring: boolean;
  readonly zero_copy: boolean;
  /** R7: headers iovec length; R4: headers fixed buffer length. */
  readonly headers_size: number;
  /** R7: payload iovec length; R8: pool length; R4: nr of kmbuf buffers × buf_size. */
  readonly payload_size: number;
  readonly buf_size: number;
  readonly max_payload_sz: number;
  /** R8: fixed index of a registered pool, and the per-entry zero-copy indices. */
  readonly registered_index?: number | null;
  readonly zc_indices?: readonly number[];
  /**
   * R4/R7: each entry's sqe->buf_index, the server's choice (002:50-51 "which the server needs to specify through
   * sqe->buf_index"; the April doc's "fixed ID (sqe->buf_index)"); 0..queue_depth-1 when absent.
   */
  readonly buf_indices?: readonly number[];
}

const range = (n: number) => Array.from({ length: Math.max(0, n) }, (_, i) => i);
const bufs = (total: number, size: number): PayloadBuffer[] =>
  size <= 0 ? [] : range(Math.floor(total / size)).map((id) => ({ id, offset: id * size, size }));
/** Entry i's fixed id: the buf_index it registered with. */
const ids = (p: BufferParams): readonly number[] => p.buf_indices ?? range(p.queue_depth);
/** R4/R7: entry i's header sits at its buf_index × 288 in the shared headers region (v4 offset = fixed_buf_id * header_size). */
const sharedHeaders = (p: BufferParams): HeaderSlot[] => ids(p).map((id, entry) => ({ entry, region: 'headers', offset: id * HEADER_SZ }));
/** R4/R7 zero-copy: the client's pages of entry i go to the sparse slot of its fixed id (002:79; 13/14 "at ent->id"). */
const sparseAtIds = (p: BufferParams): FixedSlot[] => ids(p).map((index, entry) => ({ index, role: 'zero_copy_pages', sparse: true, entry }));
const ownHeaders = (qd: number): HeaderSlot[] => range(qd).map((entry) => ({ entry, region: 'entry_iovec', offset: 0 }));

export function bufferLayout(model: QueueModelId, p: BufferParams): BufferLayout {
  return match(model)
    .with('per_entry', () => ({ fixed: [], headerSlots: ownHeaders(p.queue_depth), headersRegionSize: 0, payload: [], bufIdReport: 'none' as const }))
    .with('init_word_kmbuf', () => {
      if (!p.bufring) return bufferLayout('per_entry', p);
      // Zero-copy: sparse slots 0..qd-1 for client pages, headers buffer tails them at index qd.
      const hdrIndex = p.zero_copy ? p.queue_depth : 0;
      const sparse: FixedSlot[] = p.zero_copy ? sparseAtIds(p) : [];
      const hdr: FixedSlot = { index: hdrIndex, role: 'headers', sparse: false };
      return {
        fixed: [...sparse, hdr], headerSlots: sharedHeaders(p),
        headersRegionSize: p.headers_size, payload: bufs(p.payload_size, p.buf_size), bufIdReport: 'cqe_flags' as const,
      };
    })
    .with('init_flags_bufring', () => {
      if (!p.bufring) return bufferLayout('per_entry', p);
      const sparse: FixedSlot[] = p.zero_copy ? sparseAtIds(p) : [];
      return {
        fixed: sparse, headerSlots: sharedHeaders(p), headersRegionSize: p.headers_size,
        payload: bufs(p.payload_size, p.buf_size), bufIdReport: 'ent_in_out.buf_id' as const,
      };
    })
    .with('add_queue_pool', () => {
      const pool: FixedSlot[] = p.registered_index != null ? [{ index: p.registered_index, role: 'pool', sparse: false }] : [];
      const zc: FixedSlot[] = p.zero_copy ? (p.zc_indices ?? range(p.queue_depth)).map((index, entry) => ({ index, role: 'zero_copy_pages', sparse: true, entry })) : [];
      return {
        fixed: [...pool, ...zc], headerSlots: ownHeaders(p.queue_depth), headersRegionSize: 0,
        payload: bufs(p.payload_size, p.max_payload_sz), bufIdReport: 'ent_in_out.offset' as const,
      };
    })
    .exhaustive();
}

/** R4: how the selected kmbuf id reaches the server — IORING_CQE_F_BUFFER | id << IORING_CQE_BUFFER_SHIFT. */
export const cqeFlagsForBuffer = (id: number): number => (IORING_CQE_F_BUFFER | (id << IORING_CQE_BUFFER_SHIFT)) >>> 0;
export const bufferFromCqeFlags = (flags: number): number | null =>
  (flags & IORING_CQE_F_BUFFER) === 0 ? null : flags >>> IORING_CQE_BUFFER_SHIFT;
