// Regression cases from this project's fuzz findings, each with what settled it; recorded into fixtures/regressions.
import type { Step } from '../src/target/case.js';
import type { ConnConfig } from '../spec/model/commands.js';
import { baseConfig, registerSqe } from '../spec/scenarios/families.js';

const reg = (tag: string, qid: number, payload = 131072): Step => ({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, payload) });
const stat = (tag: string, cpu: number): Step => ({ kind: 'client', tag, op: 'stat', cpu });
const commit = (tag: string, k: number): Step => ({ kind: 'uring_cmd', tag, sqe: { cmd_op: 2, qid: 0, reply: { unique: 'match', error: 0, payload_sz: 'exact' } }, commit: { ref: { delivered: k }, sameQueue: true } });

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
        { kind: 'uring_cmd', tag: 'k', sqe: { cmd_op: 2, qid: 0, reply: { unique: 'match', error: -511, payload_sz: 'exact' } }, commit: { ref: { delivered: 0 }, sameQueue: true } }] },
    { slug: 'eagain-before-init-arrives-from-io-wq', config: { ...config, init: null },
      source: 'kernel target finding: -EAGAIN is reissued from io-wq and completes after a NOP fence; harness fixed (SETTLE.async)',
      steps: [reg('s0', 0), reg('s1', 0)] },
  ];
}
