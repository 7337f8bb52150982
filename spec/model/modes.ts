// How a successful REGISTER sets a queue's mode (the first REGISTER creates it) and where its entry's header and payload
// live, per queue model: the Revision's `queueModel` names one, so a revision with another needs an entry here only.
import type { Probe } from '../conn/probe.js';
import { memOf, type ConnState, type Mem, type Queue } from '../conn/state.js';
import type { QueueModelId } from '../revisions.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4 } from '../uapi/fuse_uring.js';
import { decodeR7Flags } from '../rules/r7.js';

export interface QueueModel {
  /** A REGISTER passed its checks: set what it decides of the queue's mode. */
  applyRegister(st: ConnState, q: Queue, p: Probe): void;
  /** Where the kernel copies the new entry's header and payload (a `mem` step changes what they allow). */
  entryMemory(st: ConnState, q: Queue, p: Probe): { hdr: Mem; pay: Mem };
}

/** R7 BUFRING queues: the headers and payload regions of the REGISTER that set the ring up, which all entries share. */
const regions = new WeakMap<Queue, { hdr: Mem; pay: Mem }>();

const kernelHeld = (): Mem => ({ head: 'rw', tail: 'rw' });
const ownIovecs = (p: Probe): { hdr: Mem; pay: Mem } => ({ hdr: memOf(p.cmd.iov?.[0]?.addr ?? 'null'), pay: memOf(p.cmd.iov?.[1]?.addr ?? 'null') });

/** R0: every entry brings its own header and payload iovecs; REGISTER sets no mode. */
const perEntry: QueueModel = {
  applyRegister() { /* a plain queue has no mode */ },
  entryMemory: (_st, _q, p) => ownIovecs(p),
};

/**
 * R4: the first REGISTER's init word makes the queue BUF_RING / ZERO_COPY; a BUF_RING entry's header is in fixed buffer
 * 0 (or queue_depth) and its payload in a ring buffer, memory io_uring holds (002:38-45).
 */
const initWordKmbuf: QueueModel = {
  applyRegister(st, q, p) {
    if (!p.firstOnQueue) return;
    const m = q.mode, f = p.cmd.init_flags$R4 ?? 0;
    m.bufring = (f & FUSE_URING_BUF_RING$R4) !== 0;
    m.zero_copy = (f & FUSE_URING_ZERO_COPY$R4) !== 0;
    // v4 reads init.queue_depth only with ZERO_COPY (zero_copy_depth, the sparse table's size).
    m.queue_depth = m.zero_copy ? p.cmd.queue_depth ?? 0 : 0;
    // Payload buffers are those of the kernel-managed ring the server registered at bgid 0: as many as it chose.
    m.nr_bufs = m.bufring ? st.cfg.ring_setup?.kmbuf_nbufs ?? 0 : 0;
  },
  entryMemory: (_st, q, p) => (q.mode.bufring ? { hdr: kernelHeld(), pay: kernelHeld() } : ownIovecs(p)),
};

/**
 * R7: the first REGISTER's init flags set the queue's mode; on a BUFRING queue an entry's header is the slot
 * buf_index × 288 of the queue's headers region and its payload a buffer of its payload region (the April doc).
 */
const initFlagsBufring: QueueModel = {
  applyRegister(st, q, p) {
    if (!p.firstOnQueue) return;
    const m = q.mode, f = decodeR7Flags(p.cmd.flags ?? 0n, st.a);
    Object.assign(m, f);
    if (!f.bufring) return;
    m.queue_depth = p.cmd.queue_depth ?? 0;
    m.buf_size = p.cmd.buf_size ?? 0;
    m.nr_bufs = Math.floor((p.cmd.iov?.[1]?.len ?? 0) / Math.max(1, m.buf_size));
    regions.set(q, ownIovecs(p));
    // r7.memlock.accounting: each pinned region page-rounded, per connection, never given back.
    if (!st.cfg.caps.CAP_IPC_LOCK) {
      const page = Number(st.a['kernel.page_size']);
      const round = (n: number) => Math.ceil(n / page) * page;
      st.memlock_used += (f.pinned_headers ? round(p.cmd.iov?.[0]?.len ?? 0) : 0) + (f.pinned_buffers ? round(p.cmd.iov?.[1]?.len ?? 0) : 0);
    }
  },
  entryMemory: (_st, q, p) => (q.mode.bufring ? regions.get(q) ?? ownIovecs(p) : ownIovecs(p)),
};

/** R8: ADD_QUEUE and ADD_BUFPOOL set the mode; a REGISTER on a queue without a pool makes it per-entry. */
const addQueuePool: QueueModel = {
  applyRegister(_st, q) { if (q.mode.payload === null) q.mode.payload = 'per_entry'; },
  entryMemory: (_st, _q, p) => ownIovecs(p),
};

export const QUEUE_MODELS: Readonly<Record<QueueModelId, QueueModel>> = {
  per_entry: perEntry, init_word_kmbuf: initWordKmbuf, init_flags_bufring: initFlagsBufring, add_queue_pool: addQueuePool,
};
