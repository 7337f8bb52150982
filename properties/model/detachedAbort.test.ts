// A fusectl abort of a lazily unmounted connection, then the superblock's death when its last client leaves: what the
// abort's error becomes on each kernel line.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import type { Event } from '../../spec/conn/commands.js';
import type { RevisionId } from '../../spec/types.js';
import type { FuzzCase } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
// A create waiting for the ring, a lazy umount (the create pins the mount), a fusectl abort (FUSE_ABORT_ERROR), a COMMIT.
const aCase = (rev: RevisionId): FuzzCase => {
  const config = baseConfig(rev, 2);
  return {
    config: { ...config, init: { ...config.init!, flags: config.init!.flags | FUSE_INIT_FLAG.FUSE_ABORT_ERROR } },
    steps: [{ kind: 'client', op: 'create', cpu: 1, client: 1, file: 'small', tag: 's0' }, { kind: 'umount' }, { kind: 'abort' },
      { kind: 'uring_cmd', tag: 's8', sqe: { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_COMMIT_AND_FETCH, qid: 0, reply: { unique: 'match', error: 0, payload_sz: 'exact' } }, commit: { ref: { delivered: 0 }, sameQueue: true } }],
  };
};
const commit = async (rev: RevisionId) => ((await model.runCase(aCase(rev))).steps[3] as Event[]).map((e) => (e.kind === 'cqe' ? `${e.tag} ${e.res}` : e.kind));

describe('an abort before the detached superblock dies', () => {
  it('should leave a later COMMIT -ECONNABORTED on R0 (6.18.44: fuse_abort_conn keeps fc->aborted)', async () => {
    expect(await commit('R0')).toEqual(['s8 -103']);
  });

  it('should leave a later COMMIT -ENOTCONN on R8 (7.3.4 under furc vm, seed 730, 3/3: fuse_conn_destroy calls fuse_chan_abort(chan, false))', async () => {
    expect(await commit('R8')).toEqual(['s8 -107']);
  });
});
