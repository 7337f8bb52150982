// Delivery into a ring entry: the kernel copies the request into the server's header and payload memory; a copy that
// faults ends the request with -EFAULT, posts no CQE and leaves the entry available at the head (dev_uring.c A8–A13).
import { negErrno } from '../errno.js';
import type { Command } from '../conn/commands.js';
import { mapPrior, withConfig, withPrior } from './scenario.js';
import { src, type RuleTable, type Scenario } from './types.js';
import type { Probe } from '../conn/probe.js';
import { copiedIn, ZERO_COPY_SOURCE, zeroCopied } from '../conn/zeroCopy.js';
import { HEADER_HEAD } from '../conn/state.js';
import { opInSize } from '../fs/fs.js';
import { FUSE_URING_IN_OUT_HEADER_SZ } from '../uapi/fuse_uring.js';

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
          const n = p.request ? copiedIn(p.queue, p.request) : 0, m = p.payloadMem;
          return n > 0 && m !== undefined && (m.head !== 'rw' || (pastFirstPage(p, n) && m.tail !== 'rw'));
        },
        violate: fault('payload'),
      },
    ],
  };
}

const REGISTER_BVEC = `fs/fuse/dev_uring.c (v7.3):fuse_uring_set_up_zero_copy → io_uring/rsrc.c:io_buffer_register_bvec → io_kernel_buffer_init`;

/** The REGISTER command that made the entry a scenario's probe lands in. */
function landingRegister(s: Scenario): Extract<Command, { kind: 'uring_cmd' }> | undefined {
  const tag = landingEntry(s);
  return s.prior.find((c): c is Extract<Command, { kind: 'uring_cmd' }> => c.kind === 'uring_cmd' && c.tag === tag);
}

/**
 * 7.3: before copying anything, fuse_uring_args_to_ring() installs a zero-copied request's pages in the server's buffer
 * table at the entry's ent_zero_copy_buf_index; when that fails the send fails as a faulting copy does (the request
 * ends with the error, no CQE, the entry takes the next request).
 */
export function deliverR8(): RuleTable {
  const r0 = deliverR0();
  return {
    ...r0,
    rows: [
      {
        kind: 'check', id: 'deliver.zero_copy.slot_beyond_table', errno: E('EINVAL'), source: src(`${ZERO_COPY_SOURCE}; ${REGISTER_BVEC} (index >= data->nr)`),
        // data->nr is the table the ring has now: the config's zero-copy table, or the one a registered pool's arena made
        // (placeFixedPool; 7.3.4 under furc vm, seed 741: slot 0 of the arena's table gave -EBUSY, not -EINVAL).
        when: (p) => p.entry !== undefined && zeroCopied(p.queue, p.request) && p.entry.zero_copy_index >= p.st.serverTable.slots,
        violate: (s) => withConfig(s, { buffer_table: 0 }),
      },
      {
        kind: 'check', id: 'deliver.zero_copy.slot_busy', errno: E('EBUSY'), source: src(`${ZERO_COPY_SOURCE}; ${REGISTER_BVEC} (data->nodes[index] already set)`),
        when: (p) => {
          const e = p.entry;
          if (e === undefined || !zeroCopied(p.queue, p.request)) return false;
          // Another entry's zero-copied request, or the server's registered-pool arena, holds the slot.
          return p.st.serverTable.arena === e.zero_copy_index
            || [...(p.st.ring?.queues.values() ?? [])].some((q) => q.entries.some((x) => x !== e && x.zcSlot === e.zero_copy_index));
        },
        // A twin entry with the same slot holds client 1's READ (it lands in the newest entry) when the probe's READ comes.
        violate: (s) => {
          const reg = landingRegister(s);
          const read = s.probeClient;
          if (!reg || !read) return s;
          return withPrior(s, [
            { kind: 'uring_cmd', tag: `${reg.tag}.twin`, sqe: reg.sqe },
            { kind: 'client', tag: 'twin.open', op: 'open', file: read.file ?? 'small', cpu: read.cpu, client: 1 },
            { kind: 'serve', tag: 'serve.twin' },
            { ...read, tag: 'twin.read', client: 1 },
          ]);
        },
      },
      {
        // fuse_uring_import_payload(): a registered pool is imported through the server's table at its buf_index whenever
        // the request has a pool buffer, bytes or none (io_uring_cmd_import_fixed finds no buffer there, or not this one).
        kind: 'check', id: 'deliver.pool.slot_unregistered', errno: E('EFAULT'),
        source: src(`${SEND} → setup_fuse_copy_state → fuse_uring_import_payload (v7.3) → io_uring/rsrc.c:io_import_reg_buf`),
        when: (p) => p.entry !== undefined && p.entry.buf_id !== null && p.queue !== undefined && p.queue.mode.registered_index !== null && !p.queue.mode.registered_backed,
        // A table of one slot, registered before the pool: slot 3 is past it, so the pool stays plain memory.
        violate: (s) => withConfig(s, { buffer_table: 1 }),
      },
      {
        // 7.3 reads a null payload address as "no buffer selected yet" (a pool's entries): fuse_uring_import_payload()
        // leaves the iterator empty, so the first payload byte finds no page at all. fuse_uring_args_to_ring() copies
        // op_in (when in_args[0] has bytes) before the payload and ring_ent_in_out and in_out after it: a faulting header
        // wins only where op_in faults (7.3.4 under furc vm, seed 735: a LOOKUP into a PROT_NONE header got -EIO).
        kind: 'check', id: 'deliver.payload.null', errno: E('EIO'),
        source: src(`${SEND} → fuse_uring_args_to_ring (v7.3: copy_header_to_ring of op_in, fuse_copy_args, then ring_ent_in_out) → setup_fuse_copy_state → fuse_uring_import_payload (!base, empty iov_iter) → fs/fuse/dev.c:fuse_copy_fill (iov_iter_get_pages2 gives 0: -EIO)`),
        when: (p) => nullPayloadEntry(p) && (p.request ? copiedIn(p.queue, p.request) : 0) > 0 && !opInFaults(p),
        // The landing entry registered with a null payload address (7.3.4 holds such a REGISTER).
        violate: nullPayload,
      },
      ...r0.rows,
    ],
  };
}

/** Whether copying the request's op header (in_args[0]) into op_in faults: op_in follows in_out in the header. */
function opInFaults(p: Probe): boolean {
  const n = p.request ? opInSize(p.request.opcode) : 0;
  if (p.entry === undefined || n === 0) return false;
  const from = FUSE_URING_IN_OUT_HEADER_SZ, to = from + n;
  return (from < HEADER_HEAD && p.entry.hdr.head !== 'rw') || (to > HEADER_HEAD && p.entry.hdr.tail !== 'rw');
}

/** 7.3: an entry whose payload address is null and whose queue has no pool to give it a buffer copies through nothing. */
export const nullPayloadEntry = (p: Probe): boolean => p.entry !== undefined && p.entry.payload_addr === 'null' && p.queue?.mode.payload !== 'pool';

/** The landing entry's REGISTER with a null payload address (7.3.4 holds such a REGISTER). */
function nullPayload(s: Scenario): Scenario {
  const reg = landingRegister(s);
  const iov = reg?.sqe.iov;
  if (!reg || !iov || iov.length < 2) return s;
  return mapPrior(s, (c) => (c === reg ? { ...reg, sqe: { ...reg.sqe, iov: [iov[0]!, { ...iov[1]!, addr: 'null' }, ...iov.slice(2)] } } : c));
}

export { fault as faultOfLandingEntry, nullPayload as nullPayloadOfLandingEntry };
