// 7.3 reads a ring entry's null payload address as "no buffer selected yet": payload bytes in either direction end -EIO.
import { describe, expect, it } from 'vitest';
import { baseConfig } from '../../spec/scenarios/families.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';
import type { Addr, Event } from '../../spec/conn/commands.js';
import type { RevisionId } from '../../spec/types.js';
import type { FuzzCase, Step } from '../../src/target/case.js';
import { ModelTarget } from '../../src/target/modelTarget.js';

const model = new ModelTarget({ nr_cpus: 2, caps: { CAP_SYS_ADMIN: true, CAP_IPC_LOCK: true } });
const reg = (tag: string, qid: number, payload: Addr): Step => ({ kind: 'uring_cmd', tag, sqe: { cmd_op: FUSE_URING_CMD.FUSE_IO_URING_CMD_REGISTER, qid, sqe_len: 2, iov_array: 'valid',
  iov: [{ len: 288, addr: 'valid', aligned: true }, { len: 131072, addr: payload, aligned: true }] } });
// The open's LOOKUP carries its name as payload into queue 0's entry, registered with a null payload address.
const open = async (rev: RevisionId) => {
  const c: FuzzCase = { config: baseConfig(rev, 2), steps: [reg('reg.1', 1, 'valid'), reg('s4', 0, 'null'), { kind: 'client', op: 'open', cpu: 0, client: 0, file: 'empty', tag: 's5' }] };
  return ((await model.runCase(c)).steps[2] as Event[]).flatMap((e) => (e.kind === 'client_done' ? [`${e.tag} ${e.res}`] : []));
};

describe('a request copied into an entry registered with a null payload address', () => {
  it('should end the open -EIO on R8 (7.3.4 under furc vm, seeds 1000733 and 1000734, 3/3: fuse_copy_fill finds no page)', async () => {
    expect(await open('R8')).toEqual(['s5 -5']);
  });

  it('should end the open -EFAULT on R0 (6.18.44: the copy through address 0 faults)', async () => {
    expect(await open('R0')).toEqual(['s5 -14']);
  });

  // The stat's GETATTR brings no bytes in; its reply's attr_out is read from the null payload address at COMMIT.
  const stat = async (rev: RevisionId) => {
    const c: FuzzCase = { config: baseConfig(rev, 2), steps: [reg('reg.0', 0, 'null'), reg('reg.1', 1, 'valid'), { kind: 'client', op: 'stat', cpu: 0, tag: 's3' }, { kind: 'serve', tag: 's4' }] };
    return ((await model.runCase(c)).steps[3] as Event[]).flatMap((e) => (e.kind === 'client_done' ? [`${e.tag} ${e.res}`] : []));
  };

  it('should end a stat -EIO at its COMMIT on R8 (7.3.4 under furc vm, seeds 1000734 and 1000735, 3/3)', async () => {
    expect(await stat('R8')).toEqual(['s3 -5']);
  });

  it('should end a stat -EFAULT at its COMMIT on R0 (6.18.44)', async () => {
    expect(await stat('R0')).toEqual(['s3 -14']);
  });

  // A header made PROT_NONE too: 7.3 copies op_in (when the opcode has one) before the payload, the rest of the header after.
  const faulting = async (op: 'open' | 'write') => {
    const opened: Step[] = op === 'write' ? [{ kind: 'client', op: 'open', cpu: 1, file: 'small', client: 0, tag: 'o' }, { kind: 'serve', tag: 'so' }] : [];
    const steps: Step[] = [reg('reg.0', 0, 'null'), reg('reg.1', 1, 'valid'), ...opened, { kind: 'mem', region: 'header', prot: 'none', part: 'all', entry: 'reg.0' },
      op === 'open' ? { kind: 'client', op, cpu: 0, file: 'empty', client: 0, tag: 's4' } : { kind: 'client', op, cpu: 0, size: 1, client: 0, tag: 's4' }];
    return ((await model.runCase({ config: baseConfig('R8', 2), steps })).steps[steps.length - 1] as Event[]).flatMap((e) => (e.kind === 'client_done' ? [`${e.tag} ${e.res}`] : []));
  };

  it('should end an open -EIO on R8 when the header faults too (LOOKUP has no op_in; 7.3.4 under furc vm, seed 735, 3/3)', async () => {
    expect(await faulting('open')).toEqual(['s4 -5']);
  });

  it("should end a 1-byte write -EFAULT on R8 when the header faults too (WRITE's op_in is copied before its byte)", async () => {
    expect(await faulting('write')).toEqual(['s4 -14']);
  });
});
