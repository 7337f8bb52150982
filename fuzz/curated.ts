// Regression cases from this project's fuzz findings, each with what settled it; recorded into fixtures/regressions.
import type { Step } from '../src/target/case.js';
import type { ConnConfig } from '../spec/conn/commands.js';
import { baseConfig, registerSqe } from '../spec/scenarios/families.js';
import { fileLife } from '../src/conformance/data.js';
import { ERRNO } from '../spec/errno.js';
import { FUSE_INIT_FLAG } from '../spec/uapi/fuse_kernel.js';
import { FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;

const reg = (tag: string, qid: number, payload = 131072): Step => ({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, payload) });
const stat = (tag: string, cpu: number): Step => ({ kind: 'client', tag, op: 'stat', cpu });
const commit = (tag: string, k: number): Step => ({ kind: 'uring_cmd', tag, sqe: { cmd_op: COMMIT, qid: 0, reply: { unique: 'match', error: 0, payload_sz: 'exact' } }, commit: { ref: { delivered: k }, sameQueue: true } });

const client = (tag: string, op: 'open' | 'create' | 'write', client: number, extra: { file?: string; size?: number; offset?: number }): Step =>
  ({ kind: 'client', tag, op, cpu: 0, client, ...extra });
const serve = (tag: string): Step => ({ kind: 'serve', tag });

export interface Curated { readonly slug: string; readonly source: string; readonly config: ConnConfig; readonly steps: readonly Step[] }

export function curated(nrCpus: number): Curated[] {
  const config = baseConfig('R0', nrCpus);
  const others = (from: number) => Array.from({ length: Math.max(0, nrCpus - from) }, (_, i) => reg(`q${i + from}`, i + from));
  return [
    { slug: 'routing-follows-readiness-after-failed-register', config,
      source: 'furc fuzz seed 2 finding b7a75ad947cc; model fixed: fs/fuse/dev_uring.c:fuse_uring_do_register switches fiq->ops once is_ring_ready(), whatever fc->io_uring says',
      steps: [...others(1), reg('bad', nrCpus), reg('s0', 0), stat('c', 0)] },
    { slug: 'newest-available-entry-takes-the-request', config,
      source: 'furc fuzz seed 1 finding 8acceb1020a2; model fixed: fuse_uring_ent_avail() list_move()s to the head of ent_avail_queue, dispatch takes list_first_entry()',
      steps: [reg('old', 0), stat('c', 0), reg('new', 0), ...others(1)] },
    { slug: 'register-does-not-fetch-queued-requests', config,
      source: 'furc fuzz seed 1 finding 7d759f76b42d; model fixed: fuse_uring_do_register() only makes the entry available; queued requests wait for COMMIT_AND_FETCH (fuse_uring_next_fuse_req)',
      steps: [stat('c1', 0), stat('c2', 0), ...others(1), reg('s0', 0), reg('s1', 0), commit('k0', 0)] },
    { slug: 'server-exit-releases-a-blocked-client', config,
      source: 'furc fuzz seed 1 finding 0e9a8ddbb76d; harness fixed: forked clients inherited the ring mmaps (now MADV_DONTFORK), which pinned the io_uring file and so /dev/fuse',
      steps: [reg('s0', 0), stat('c', 0), { kind: 'server_exit' }] },
    { slug: 'reply-error-511-reaches-the-client',
      source: 'furc fuzz seed 20261122 finding 11e06ef0f32e; harness fixed: clients returned errno in an 8-bit exit status (511 → 255), now via shared memory; fs/fuse/dev_uring.c:fuse_uring_out_header_has_err passes -511 (> -ERESTARTSYS) through',
      config, steps: [reg('s0', 0), ...others(1), stat('c', 0),
        { kind: 'uring_cmd', tag: 'k', sqe: { cmd_op: COMMIT, qid: 0, reply: { unique: 'match', error: -ERRNO.ERESTARTSYS + 1, payload_sz: 'exact' } }, commit: { ref: { delivered: 0 }, sameQueue: true } }] },
    { slug: 'unmapped-header-stays-unmapped',
      source: 'furc fuzz seed 20261121 finding d7adbb2a20d8; harness fixed: a later mmap refilled the unmapped header page, so the LOOKUP was delivered; regions now come from a low arena filled upward (src/kernel/regions.ts)',
      config, steps: [reg('s0', 0), ...others(1), { kind: 'mem', region: 'header', prot: 'unmapped', part: 'all', entry: 's0' },
        { kind: 'uring_cmd', tag: 'bad', sqe: { cmd_op: REGISTER, qid: 0, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid', iov: [{ len: fuse_uring_req_header.size, addr: 'null', aligned: true }, { len: 0, addr: 'valid', aligned: true }] } },
        client('c', 'open', 0, { file: 'empty' })] },
    { slug: 'serve-after-abort-answers-what-it-was-handed',
      source: 'furc fuzz seed 20261124 finding a39ec79746aa; model fixed: the server answers every request a CQE handed it (an abort does not tell it otherwise) and fuse_uring_commit_fetch refuses with -ENOTCONN',
      config, steps: [reg('s0', 0), ...others(1), stat('c', 0), { kind: 'abort' }, serve('sv')] },
    { slug: 'a-commit-on-another-queue-answers-nothing',
      source: 'furc fuzz seed 7 finding 36d433017391, re-recorded when the server stopped writing replies through another queue (furc fuzz --jobs 2 seed 6, job seed 1000009): k1 on queue 1 is refused -ENOENT before memory is read and writes nothing, so k2 carries the attr and the stat succeeds',
      config, steps: [reg('s0', 0), ...others(1), stat('c', 0),
        { kind: 'uring_cmd', tag: 'k1', sqe: { cmd_op: COMMIT, qid: nrCpus > 1 ? 1 : 0, reply: { unique: 'match', error: 0, payload_sz: 'exact' } }, commit: { ref: { delivered: 0 }, sameQueue: false } },
        commit('k2', 0)] },
    { slug: 'open-during-create-looks-up-again',
      source: 'furc fuzz seed 9 finding adbd372f159a; model fixed: the open found the negative dentry of the CREATE in flight, failed to revalidate it (fuse_dentry_revalidate: negative entries always look up) and unhashed it, so after the CREATE it sends LOOKUP',
      config, steps: [reg('s0', 0), ...others(1), client('a', 'create', 1, { file: 'new1' }), commit('k', 0), client('b', 'open', 0, { file: 'new1' }), serve('sv')] },
    { slug: 'o-creat-open-of-a-cached-name-takes-no-directory-lock',
      source: 'furc fuzz seed 1000011 finding ce1b0fe56b01; model fixed: 6.12 "fs: try an opportunistic lookup for O_CREAT opens too" opens a cached positive name without the directory lock another LOOKUP holds',
      config, steps: [reg('bad', nrCpus), client('a', 'open', 1, { file: 'small' }), { kind: 'dev_reply', error: 0 }, client('b', 'open', 2, { file: 'empty' }), client('c', 'create', 0, { file: 'small' })] },
    { slug: 'open-after-lazy-umount-finds-nothing',
      source: 'furc fuzz seed 1000109 finding 5171270dd302; harness and model fixed: after umount2(MNT_DETACH) the open (after its FLUSH) walks into an empty read-only tmpfs under the mount (ENOENT); the RELEASE answered, the superblock goes and held SQEs end -ENOTCONN',
      config, steps: [reg('s0', 0), ...others(1), client('a', 'open', 3, { file: 'empty' }), serve('sv1'), client('b', 'open', 3, { file: 'empty' }), { kind: 'umount' }, serve('sv2')] },
    { slug: 'zero-byte-write-waits-for-the-inode-lock',
      source: 'furc fuzz seed 504 finding 8b82e987d669; model fixed: fuse_direct_write_iter() takes the inode lock (exclusive without FOPEN_PARALLEL_DIRECT_WRITES) before generic_write_checks(), so a 0-byte write waits for a WRITE in flight',
      config, steps: [reg('s0', 0), ...others(1), client('a', 'open', 0, { file: 'small' }), serve('sv1'), client('b', 'open', 1, { file: 'small' }), serve('sv2'),
        client('w1', 'write', 0, { size: 131071, offset: 0 }), client('w0', 'write', 1, { size: 0 }), serve('sv3')] },
    { slug: 'ring-exit-waits-for-the-ring-to-go',
      source: 'furc fuzz seed 20261123 finding f163a1b5ebd1 (1/3); harness fixed: an open right after the ring closed could meet an entry the exit work had not cancelled yet and end -ECANCELED (io_uring_cmd_work with IO_URING_F_TASK_DEAD); ring_exit now waits until the ring is freed',
      config, steps: [reg('s0', 0), ...others(1), stat('c', 0),
        { kind: 'uring_cmd', tag: 'k', sqe: { cmd_op: COMMIT, qid: 0, reply: { unique: 'match', error: 1, payload_sz: 'exact' } }, commit: { ref: { delivered: 0 }, sameQueue: true } },
        { kind: 'ring_exit' }, client('o', 'open', 0, { file: 'empty' }), serve('sv')] },
    { slug: 'data-past-max-payload-splits-in-two',
      source: 'data case R0 data.rw.over_max_payload_sz: 131073 bytes written and read back through 128 KiB ring payloads, two WRITEs and two READs, each byte checked both ways',
      config, steps: [reg('s0', 0), ...others(1), ...fileLife(131073)] },
    { slug: 'open-of-a-name-in-lookup-waits-for-that-lookup',
      source: 'furc fuzz seed 31 finding 81192686a863; model fixed: without O_CREAT, d_alloc_parallel() makes the name in-lookup before fuse_lookup() takes fuse_lock_inode(), so a second open of that name sleeps in d_wait_lookup() and sends its OPEN as soon as the first LOOKUP is answered, ahead of a LOOKUP of another name waiting for the lock',
      config: { ...config, init: config.init && { ...config.init, flags: config.init.flags & ~FUSE_INIT_FLAG.FUSE_OVER_IO_URING } },
      steps: [client('a', 'open', 0, { file: 'big' }), client('b', 'open', 1, { file: 'empty' }), client('c', 'open', 2, { file: 'big' }), { kind: 'dev_reply', error: 0 }] },
    { slug: 'eagain-before-init-arrives-from-io-wq', config: { ...config, init: null },
      source: 'kernel target finding: -EAGAIN is reissued from io-wq and completes after a NOP fence; harness fixed (SETTLE.async)',
      steps: [reg('s0', 0), reg('s1', 0)] },
  ];
}
