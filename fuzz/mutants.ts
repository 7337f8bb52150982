// Deliberately wrong models: each must be caught by the fuzzer against the kernel (npm run mutants).
import { negErrno } from '../spec/errno.js';
import type { ModelMutation } from '../spec/model/conn.js';
import type { AssumptionValues } from '../spec/types.js';
import type { Revision, TableId } from '../spec/revisions.js';
import type { Check, Row } from '../spec/rules/types.js';

const E = negErrno;

/** Rebuilds one table of a revision with its rows transformed. */
export function editTable(table: TableId, f: (rows: readonly Row[]) => Row[]): (r: Revision) => Revision {
  return (r) => ({ ...r, tables: { ...r.tables, [table]: { ...r.tables[table]!, rows: f(r.tables[table]!.rows) } } });
}
export const onRow = (id: string, f: (c: Check) => Check) => (rows: readonly Row[]) => rows.map((x) => (x.kind === 'check' && x.id === id ? f(x) : x));
const dropRow = (id: string) => (rows: readonly Row[]) => rows.filter((x) => x.id !== id);
const swapRows = (a: string, b: string) => (rows: readonly Row[]) => {
  const out = [...rows];
  const i = out.findIndex((x) => x.id === a), j = out.findIndex((x) => x.id === b);
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
};

export interface Mutant {
  readonly name: string;
  readonly mutation: ModelMutation;
  /** Assumption values the mutant model believes instead (a wrong kernel limit). */
  readonly overrides?: AssumptionValues;
}

export const MUTANTS: readonly Mutant[] = [
  { name: 'errno: register.payload.too_short EINVAL → ENOMEM', mutation: { tables: editTable('register', onRow('register.payload.too_short', (c) => ({ ...c, errno: E('ENOMEM') }))) } },
  { name: 'errno: commit_and_fetch.commit_id.unknown ENOENT → EINVAL', mutation: { tables: editTable('commit_and_fetch', onRow('commit_and_fetch.commit_id.unknown', (c) => ({ ...c, errno: E('EINVAL') }))) } },
  { name: 'errno: reply.unique.mismatch ENOENT → EIO', mutation: { tables: editTable('reply', onRow('reply.unique.mismatch', (c) => ({ ...c, errno: E('EIO') }))) } },
  { name: 'errno: common.sqe128.missing EINVAL → EOPNOTSUPP', mutation: { tables: editTable('common', onRow('common.sqe128.missing', (c) => ({ ...c, errno: E('EOPNOTSUPP') }))) } },
  { name: 'boundary: headers accepted from 287 bytes', mutation: { tables: editTable('register', onRow('register.headers.too_short', (c) => ({ ...c, when: (p) => (p.cmd.iov?.[0]?.len ?? 0) < 287 }))) } },
  { name: 'boundary: payload must be one byte more than max_payload_sz', mutation: { tables: editTable('register', onRow('register.payload.too_short', (c) => ({ ...c, when: (p) => c.when(p) || (p.cmd.iov?.[1]?.len ?? 0) === (p.st.ring?.max_payload_sz ?? -1) }))) } },
  { name: 'order: not_initialized checked before aborted/disconnected (7.3 order)', mutation: { tables: (r) => editTable('common', (rows) => { const ni = rows.find((x) => x.id === 'common.conn.not_initialized')!; return [rows[0]!, rows[1]!, ni, ...rows.slice(2).filter((x) => x !== ni)]; })(r) } },
  { name: 'order: cmd_op checked before sqe128', mutation: { tables: editTable('common', swapRows('common.sqe128.missing', 'common.cmd_op.unknown')) } },
  { name: 'dropped: register.sqe_len.not_iov_segs', mutation: { tables: editTable('register', dropRow('register.sqe_len.not_iov_segs')) } },
  { name: 'dropped: common.enable_uring.off', mutation: { tables: editTable('common', dropRow('common.enable_uring.off')) } },
  { name: 'readiness: ready when any queue has an entry', mutation: { readyOnAnyQueue: true } },
  { name: 'failed REGISTER keeps io_uring on', mutation: { failedRegisterKeepsIoUring: true } },
  { name: 'entries handed out oldest first', mutation: { oldestEntryFirst: true } },
  // Data plane and faults (issue 9): what the 2026 fixes were about.
  { name: 'buffer offset: payload believed to follow op_in in the payload buffer', mutation: { payloadAfterOpIn: true } },
  { name: 'payload_sz rule: ent_in_out.payload_sz believed to count op_in', mutation: { payloadSzCountsOpIn: true } },
  { name: 'EFAULT → success: a COMMIT whose out header faults passes (the EFAULT clobber)', mutation: { tables: editTable('reply', dropRow('reply.header.fault')) } },
  { name: 'EFAULT → success: copying a request into faulting payload memory succeeds', mutation: { tables: editTable('deliver', dropRow('deliver.payload.fault')) } },
  // Generation power (issue 10): rare inputs and limits taken from the kernel, not from the model.
  { name: 'dropped: reply.error.out_of_range (a positive reply error reaches the client)', mutation: { tables: editTable('reply', dropRow('reply.error.out_of_range')) } },
  { name: 'limit: max_pages clamped at 512 instead of fs.fuse.max_pages_limit 256', mutation: {}, overrides: { 'kernel.fuse_max_max_pages': 512n } },
];
