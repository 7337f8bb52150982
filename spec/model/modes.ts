// How a successful REGISTER sets a queue's mode in each revision (first REGISTER creates it).
import { match } from 'ts-pattern';
import type { Probe } from '../rules/types.js';
import { FUSE_URING_BUF_RING$R4, FUSE_URING_ZERO_COPY$R4 } from '../rules/r4.js';
import { decodeR7Flags } from '../rules/r7.js';
import type { ConnState, Queue } from './state.js';

export function applyRegisterMode(st: ConnState, q: Queue, p: Probe): void {
  const m = q.mode;
  match(st.rev)
    .with('R0', () => undefined)
    .with('R4', () => {
      if (!p.firstOnQueue) return;
      const f = p.cmd.init_flags$R4 ?? 0;
      m.bufring = (f & FUSE_URING_BUF_RING$R4) !== 0;
      m.zero_copy = (f & FUSE_URING_ZERO_COPY$R4) !== 0;
      m.queue_depth = p.cmd.queue_depth ?? 0;
      // Payload buffers come from the kernel-managed ring; the model gives it queue_depth buffers.
      m.nr_bufs = m.bufring ? m.queue_depth : 0;
    })
    .with('R7', () => {
      if (!p.firstOnQueue) return;
      const f = decodeR7Flags(p.cmd.flags ?? 0n, st.a);
      Object.assign(m, f);
      if (!f.bufring) return;
      m.queue_depth = p.cmd.queue_depth ?? 0;
      m.buf_size = p.cmd.buf_size ?? 0;
      m.nr_bufs = Math.floor((p.cmd.iov?.[1]?.len ?? 0) / Math.max(1, m.buf_size));
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
