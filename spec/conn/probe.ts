// What a rule row's predicate sees: the connection as the kernel would, and the command being checked.
import type { UringCmdSpec } from './commands.js';
import type { ConnState, Entry, Mem, Queue, Request } from './state.js';

export interface Probe {
  readonly st: Readonly<ConnState>;
  readonly cmd: UringCmdSpec;
  /** The queue named by cmd.qid, if it exists. */
  readonly queue: Queue | undefined;
  /** Whether this command created the queue (first REGISTER / ADD_QUEUE on the qid). */
  readonly firstOnQueue: boolean;
  /** Delivery and reply checks: the entry the request is (being) put in, and the request. */
  readonly entry?: Entry;
  readonly request?: Request;
  /** The memory the request's payload is copied to or from: the entry's payload iovec, or its queue's pool. */
  readonly payloadMem?: Mem;
}
