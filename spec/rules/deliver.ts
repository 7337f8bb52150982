// Delivery into a ring entry: the kernel copies the request into the server's header and payload memory; a copy that
// faults ends the request with -EFAULT, posts no CQE and leaves the entry available at the head (dev_uring.c A8–A13).
import { negErrno } from '../errno.js';
import type { Command } from '../conn/commands.js';
import { withPrior } from './scenario.js';
import { src, type RuleTable, type Scenario } from './types.js';
import type { Probe } from '../conn/probe.js';

const E = negErrno;
const SEND = 'fs/fuse/dev_uring.c:fuse_uring_prepare_send → fuse_uring_copy_to_ring';

/** The REGISTER tag of the entry a scenario's probe lands in: the newest on its queue (ent_avail_queue is LIFO). */
export function landingEntry(s: Scenario): string {
  const qid = s.probeClient ? s.probeClient.cpu : s.probe.qid;
  const regs = s.prior.filter((c): c is Extract<Command, { kind: 'uring_cmd' }> => c.kind === 'uring_cmd' && c.sqe.cmd_op === 1 && c.sqe.qid === qid);
  return regs[regs.length - 1]?.tag ?? 'reg.0';
}

const fault = (region: 'header' | 'payload', part: 'all' | 'tail' = 'all') => (s: Scenario): Scenario =>
  withPrior(s, [{ kind: 'mem', region, entry: landingEntry(s), prot: 'none', part }]);

/** Bytes [0, n) of a payload need its tail page too when they go past the first page. */
export const pastFirstPage = (p: Probe, n: number): boolean => n > Number(p.st.a['kernel.page_size']);

export function deliverR0(): RuleTable {
  return {
    id: 'deliver', title: 'copying a request into a ring entry (what its client sees)',
    rows: [
      {
        kind: 'check', id: 'deliver.header.fault', errno: E('EFAULT'),
        source: src(`${SEND} → fuse_uring_args_to_ring (copy_to_user of op_in and ring_ent_in_out, then of in_out; 7.2+ through copy_header_to_ring)`),
        when: (p) => p.entry !== undefined && (p.entry.hdr.head !== 'rw' || p.entry.hdr.tail !== 'rw'),
        violate: fault('header'),
      },
      {
        kind: 'check', id: 'deliver.payload.fault', errno: E('EFAULT'),
        source: src(`${SEND}; fs/fuse/dev.c:fuse_copy_fill (iov_iter_get_pages2 with FOLL_WRITE)`),
        when: (p) => {
          const n = p.request?.payload_in ?? 0, m = p.payloadMem;
          return n > 0 && m !== undefined && (m.head !== 'rw' || (pastFirstPage(p, n) && m.tail !== 'rw'));
        },
        violate: fault('payload'),
      },
    ],
  };
}

export { fault as faultOfLandingEntry };
