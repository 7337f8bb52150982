// The reply the harness's server writes for a COMMIT: the kernel target writes it, the model reads it as written.
import type { ReplySpec } from './commands.js';
import type { FsAnswer } from '../fs/fs.js';

/** What goes into the out header and payload: the case's error if it sets one, else the filesystem's, and its body only on success. */
export interface ServerReply {
  readonly unique: ReplySpec['unique'];
  readonly error: number;
  readonly payload_sz: number;
  readonly body: Uint8Array;
}

/** The default reply of a serve: unique matching, no error, payload_sz exactly the answer's. */
export const DEFAULT_REPLY: ReplySpec = { unique: 'match', error: 0, payload_sz: 'exact' };

/** The server acts on a request (`answer()`, which may change the filesystem) only when the case's reply sets no error. */
export function serverReply(r: ReplySpec, answer: () => FsAnswer): ServerReply {
  const a: FsAnswer = r.error === 0 ? answer() : { error: r.error, body: new Uint8Array() };
  const body = a.error === 0 ? a.body : new Uint8Array();
  return { unique: r.unique, error: a.error, payload_sz: r.payload_sz === 'exact' ? body.length : r.payload_sz, body };
}
