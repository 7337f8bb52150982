// How a successful REGISTER sets a queue's mode in each revision (first REGISTER creates it), and where its entry's
// header and payload live.
import { match } from 'ts-pattern';
import type { Probe } from '../conn/probe.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4 } from '../uapi/fuse_uring.js';
import { decodeR7Flags } from '../rules/r7.js';
import { memOf, type ConnState, type Mem, type Queue } from '../conn/state.js';

/** R7 BUFRING queues: the headers and payload regions of the REGISTER that set the ring up, which all entries share. */
const regions = new WeakMap<Queue, { hdr: Mem; pay: Mem }>();

const kernelHeld = (): Mem => ({ head: 'rw', tail: 'rw' });

/**
 * Where the kernel copies an entry's header and payload: the entry's own iovecs on a plain queue; on an R4 BUF_RING queue
 * fixed buffer 0 (or queue_depth) and a ring buffer, memory io_uring holds (002:38-45); on an R7 BUFRING queue the slot
 * buf_index × 288 of the queue's headers region and a buffer of its payload region (the April doc).
 */
export function entryMemory(st: ConnState, q: Queue, p: Probe): { hdr: Mem; pay: Mem } {
  const iov = p.cmd.iov ?? [];
  const own = { hdr: memOf(iov[0]?.addr ?? 'null'), pay: memOf(iov[1]?.addr ?? 'null') };
  if (!q.mode.bufring) return own;
  return match(st.rev)
    .with('R4', () => ({ hdr: kernelHeld(), pay: kernelHeld() }))
    .with('R7', () => regions.get(q) ?? own)
    .otherwise(() => own);
}

export function applyRegisterMode(st: ConnState, q: Queue, p: Probe): void {
  const m = q.mode;
  match(st.rev)
    .with('R0', () => undefined)
    .with('R4', () => {
      if (!p.firstOnQueue) return;
      const f = p.cmd.init_flags$R4 ?? 0;
      m.bufring = (f & FUSE_URING_BUF_RING$R4) !== 0;
      m.zero_copy = (f & FUSE_URING_ZERO_COPY$R4) !== 0;
      // v4 reads init.queue_depth only with ZERO_COPY (zero_copy_depth, the sparse table's size).
      m.queue_depth = m.zero_copy ? p.cmd.queue_depth ?? 0 : 0;
      // Payload buffers are those of the kernel-managed ring the server registered at bgid 0: as many as it chose.
      m.nr_bufs = m.bufring ? st.cfg.ring_setup?.kmbuf_nbufs ?? 0 : 0;
    })
    .with('R7', () => {
      if (!p.firstOnQueue) return;
      const f = decodeR7Flags(p.cmd.flags ?? 0n, st.a);
      Object.assign(m, f);
      if (!f.bufring) return;
      m.queue_depth = p.cmd.queue_depth ?? 0;
      m.buf_size = p.cmd.buf_size ?? 0;
      m.nr_bufs = Math.floor((p.cmd.iov?.[1]?.len ?? 0) / Math.max(1, m.buf_size));
      regions.set(q, { hdr: memOf(p.cmd.iov?.[0]?.addr ?? 'null'), pay: memOf(p.cmd.iov?.[1]?.addr ?? 'null') });
      // r7.memlock.accounting: each pinned region page-rounded, per connection, never given back.
      if (!st.cfg.caps.CAP_IPC_LOCK) {
        const page = Number(st.a['kernel.page_size']);
        const round = (n: number) => Math.ceil(n / page) * page;
        st.memlock_used += (f.pinned_headers ? round(p.cmd.iov?.[0]?.len ?? 0) : 0) + (f.pinned_buffers ? round(p.cmd.iov?.[1]?.len ?? 0) : 0);
      }
    })
    .with('R8', () => {
      if (m.payload === null) m.payload = 'per_entry';
    })
    .exhaustive();
}
