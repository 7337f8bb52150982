// Reply checks on COMMIT: the out header and payload_sz; the result goes to the client, not the CQE.
import { ERRNO, negErrno } from '../errno.js';
import type { ReplySpec } from '../conn/commands.js';
import { readable, type Request } from '../conn/state.js';
import { faultOfLandingEntry, nullPayloadEntry, nullPayloadOfLandingEntry, pastFirstPage } from './deliver.js';
import { resolvedCommitId } from './r0.js';
import { withProbe } from './scenario.js';
import { src, type KnownDifference, type RuleTable, type Scenario } from './types.js';
import type { Probe } from '../conn/probe.js';
import { replyCopied } from '../conn/zeroCopy.js';

const E = negErrno;
const HAS_ERR = 'fs/fuse/dev_uring.c:fuse_uring_out_header_has_err';
const COPY = 'fs/fuse/dev.c:fuse_copy_out_args (via fuse_uring_copy_from_ring)';
/** -ERESTARTSYS: reply errors at or below it are invalid. */
export const REPLY_ERROR_FLOOR = -512;

const reply = (p: Probe): ReplySpec => p.cmd.reply ?? { unique: 'match', error: 0, payload_sz: 'exact' };
export const requestOf = (p: Probe): Request | undefined => p.request ?? p.st.requests.get(resolvedCommitId(p));
/** The model hands the rules the reply as the kernel will read it (payload_sz resolved), so 'exact' is only a fallback. */
const payloadSz = (p: Probe): number => {
  const r = reply(p);
  return r.payload_sz === 'exact' ? requestOf(p)?.reply_size ?? 0 : r.payload_sz;
};
const withReply = (s: Scenario, patch: Partial<ReplySpec>): Scenario =>
  withProbe(s, { reply: { ...(s.probe.reply ?? { unique: 'match', error: 0, payload_sz: 'exact' }), ...patch } });

const COMMIT = 'fs/fuse/dev_uring.c:fuse_uring_commit';

// Seen under furc vm on Debian's 7.1.3: the COMMIT whose out header is unreadable ends the request with 0 for the client.
const EFAULT_CLOBBER: KnownDifference = {
  observed: 'client 0', kernels: '6.14–6.18.38 and 6.19–7.1.3 (stable took the fix in 6.18.39 and 7.1.4)',
  why: 'copy_from_user()\'s positive residual overwrote -EFAULT in fuse_uring_commit(), so the request ended as if answered with uninitialised out args; fixed by "fuse: fix EFAULT clobber in fuse_uring_commit"',
  link: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=3a0a8bc5',
};

export function replyR0(): RuleTable {
  return {
    id: 'reply', title: 'reply checks of fuse_uring_commit() (what the client sees)',
    rows: [
      {
        // Before "fuse: fix EFAULT clobber in fuse_uring_commit" (3a0a8bc5; 6.18.39, 7.1.4) the residual byte count of the
        // failed copy_from_user overwrote -EFAULT and the request ended as if answered, out args uninitialised.
        kind: 'check', id: 'reply.header.fault', errno: E('EFAULT'), source: src(`${COMMIT} (copy_from_user of the out header, 7.2+ through copy_header_from_ring; EFAULT-clobber fix)`),
        when: (p) => p.entry !== undefined && !readable(p.entry.hdr.head),
        violate: faultOfLandingEntry('header'),
        known: [EFAULT_CLOBBER],
      },
      {
        kind: 'check', id: 'reply.unique.zero', errno: E('EINVAL'), source: src(`${HAS_ERR} (notifications not supported over io-uring)`),
        when: (p) => reply(p).unique === 'zero',
        violate: (s) => withReply(s, { unique: 'zero' }),
      },
      {
        kind: 'check', id: 'reply.error.out_of_range', errno: E('EINVAL'), source: src(HAS_ERR),
        when: (p) => reply(p).error > 0 || reply(p).error <= REPLY_ERROR_FLOOR,
        violate: (s) => withReply(s, { error: 1 }),
      },
      {
        kind: 'check', id: 'reply.error.set', errno: 'reply', source: src(HAS_ERR),
        when: (p) => reply(p).error !== 0,
        violate: (s) => withReply(s, { error: -ERRNO.EIO }),
      },
      {
        kind: 'check', id: 'reply.unique.mismatch', errno: E('ENOENT'), source: src(HAS_ERR),
        when: (p) => reply(p).unique === 'other',
        violate: (s) => withReply(s, { unique: 'other' }),
      },
      {
        kind: 'check', id: 'reply.ent.fault', errno: E('EFAULT'), source: src('fs/fuse/dev_uring.c:fuse_uring_copy_from_ring (copy_from_user of ring_ent_in_out)'),
        when: (p) => p.entry !== undefined && !readable(p.entry.hdr.tail),
        violate: faultOfLandingEntry('header', 'tail'),
      },
      {
        kind: 'check', id: 'reply.payload_sz.too_large', errno: E('EINVAL'), source: src(COPY),
        when: (p) => payloadSz(p) > (requestOf(p)?.reply_size ?? 0),
        violate: (s) => withReply(s, { payload_sz: 4096 }),
      },
      {
        kind: 'check', id: 'reply.payload_sz.too_short', errno: E('EINVAL'), source: src(`${COPY} (out_argvar unset)`),
        when: (p) => payloadSz(p) < (requestOf(p)?.reply_size ?? 0) && !(requestOf(p)?.reply_argvar ?? false),
        violate: (s) => withReply(s, { payload_sz: 8 }),
      },
      {
        kind: 'check', id: 'reply.payload.fault', errno: E('EFAULT'), source: src(`${COPY}; fs/fuse/dev.c:fuse_copy_fill (gup of the payload to read it)`),
        when: (p) => {
          const n = replyCopied(p.queue, requestOf(p)) ? payloadSz(p) : 0, m = p.payloadMem;
          return n > 0 && m !== undefined && (!readable(m.head) || (pastFirstPage(p, n) && !readable(m.tail)));
        },
        violate: faultOfLandingEntry('payload'),
      },
    ],
  };
}

/**
 * 7.3: an entry registered with a null payload address has no buffer to read the reply from (fuse_uring_import_payload
 * leaves the iterator empty): a reply with payload bytes ends -EIO in fuse_copy_fill, after the payload_sz checks.
 */
export function replyR8(): RuleTable {
  const r0 = replyR0();
  const at = r0.rows.findIndex((r) => r.id === 'reply.payload.fault');
  return {
    ...r0,
    rows: [
      ...r0.rows.slice(0, at),
      {
        kind: 'check', id: 'reply.payload.null', errno: E('EIO'),
        source: src(`fs/fuse/dev_uring.c:fuse_uring_copy_from_ring → setup_fuse_copy_state → fuse_uring_import_payload (v7.3: !base, empty iov_iter); ${COPY} → fs/fuse/dev.c:fuse_copy_fill (iov_iter_get_pages2 gives 0: -EIO)`),
        when: (p) => nullPayloadEntry(p) && (replyCopied(p.queue, requestOf(p)) ? payloadSz(p) : 0) > 0,
        // The landing entry registered with a null payload address: GETATTR brings no bytes in, its attr_out goes back.
        violate: nullPayloadOfLandingEntry,
      },
      ...r0.rows.slice(at),
    ],
  };
}
