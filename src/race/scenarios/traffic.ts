// Clients looping open/read/close on every CPU (each close sends RELEASE in the background) against a teardown.
import { newFs, answer } from '../../../spec/fs/fs.js';
import { FOPEN, FUSE_OPCODE } from '../../../spec/uapi/fuse_kernel.js';
import type { ClientRequest } from '../../kernel/clients.js';
import type { RaceScenario } from './scenario.js';
import { programSlot } from './scenario.js';

const FILE = 'small';
const MS = 1_000_000;

/**
 * The filesystem's answers (spec/fs/fs.ts) to the requests a loop of open/read/close of FILE sends, by opcode: the
 * server threads copy them whole. READ is always 4096 bytes at 0, so one answer fits every READ.
 */
export function trafficReplies(): Map<number, { error: number; body: Uint8Array }> {
  const fs = newFs(FOPEN.FOPEN_DIRECT_IO);
  const ino = fs.files.get(FILE)!.ino;
  const O = FUSE_OPCODE;
  const ask = (opcode: number, nodeid: bigint, opIn: Record<string, bigint | number> | null = null, payload = new Uint8Array()) =>
    answer(fs, { opcode, nodeid, opIn, payload });
  const read = { offset: 0n, size: 4096 };
  return new Map([
    [O.FUSE_LOOKUP, ask(O.FUSE_LOOKUP, 1n, null, Buffer.from(`${FILE}\0`))],
    [O.FUSE_GETATTR, ask(O.FUSE_GETATTR, ino)],
    [O.FUSE_OPEN, ask(O.FUSE_OPEN, ino)],
    [O.FUSE_READ, ask(O.FUSE_READ, ino, read)],
    [O.FUSE_FLUSH, { error: 0, body: new Uint8Array() }],
    [O.FUSE_RELEASE, { error: 0, body: new Uint8Array() }],
  ].map(([op, a]) => [op as number, { error: (a as { error: number }).error, body: (a as { body: Uint8Array }).body }]));
}

export const traffic = (what: 'abort' | 'server-exit'): RaceScenario => ({
  id: `traffic-vs-${what}`,
  title: `clients looping open/read/close of a file on every CPU (RELEASE in the background), a server thread and ring per entry (2 per queue), then ${what === 'abort' ? 'a fusectl abort' : 'the server closing its rings and /dev/fuse'}`,
  aims: 'many clients plus background I/O during teardown: bg queue dispatch on completion, entries in every state, num_background leaks (end fuse_req on io-uring cancel task work)',
  revisions: ['R0', 'R8'],
  build(b, nr) {
    b.judgeByLines();
    const wait = 50 * MS * b.env.timeScale;
    const servers: { t: number; ring: number; q: number; k: string }[] = [];
    for (let q = 0; q < nr; q++) for (const k of ['a', 'b']) servers.push({ t: b.thread(`s${q}${k}`), ring: servers.length, q, k });
    const clients = Array.from({ length: nr }, (_, c) => b.thread(`c${c}`));
    const killer = b.thread(what);
    const entries = servers.map((s) => { b.ringSetup(s.t, s.ring); return b.register(s.t, s.ring, s.q, `r${s.q}.${s.k}`); });
    b.race();
    const replies = trafficReplies();
    servers.forEach((s, i) => b.serveLoop(s.t, entries[i]!, replies, wait));
    const ops: ClientRequest[] = [{ verb: 'open', flags: 2, handle: 0 }, { verb: 'read', size: 4096, offset: 0, handle: 0 }, { verb: 'close', handle: 0 }];
    clients.forEach((t, c) => b.clientLoop(t, programSlot(nr, c), c, `c${c}`, FILE, ops, 5 * wait));
    // Traffic flows a while before the teardown (the jitter alone is microseconds).
    b.sleep(killer, 20 * MS * b.env.timeScale);
    if (what === 'abort') b.abort(killer); else b.serverExit(killer);
    b.raiseFlag(killer);
  },
});
