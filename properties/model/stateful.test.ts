// Model-based command sequences through Target, with the invariants a kernel developer relies on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../spec/model/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { ERRNO } from '../../spec/errno.js';
import type { Session } from '../../src/target/target.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;

const SEED = Number(process.env.FURC_SEED ?? 20261121);
const config = baseConfig('R0', NR_CPUS);
const MAX = maxPayloadSz(config.init!, revision('R0').a);

/** What the test knows from events alone: the same bookkeeping works on the kernel. */
interface Tracker {
  held: Map<string, number>; // tag → qid: SQE pending, entry AVAILABLE
  userspace: Map<string, { qid: number; commit_id: bigint }>; // CQE delivered a request
  committed: bigint[];
  clients: Set<string>;
  ready: boolean;
  down: boolean;
  n: number;
}
type Real = { s: Session };

function absorb(m: Tracker, ev: Event[]): void {
  for (const e of ev) {
    if (e.kind === 'cqe') {
      // Each SQE completes at most once: the tag must be held right now.
      expect(m.held.has(e.tag), `CQE for ${e.tag} which is not held`).toBe(true);
      const qid = m.held.get(e.tag)!;
      m.held.delete(e.tag);
      if (e.res === 0 && e.req) m.userspace.set(e.tag, { qid, commit_id: e.req.commit_id });
    } else if (e.kind === 'client_done') {
      expect(m.clients.delete(e.tag), `client ${e.tag} finished twice`).toBe(true);
    }
  }
  // Each entry is in exactly one state.
  for (const t of m.held.keys()) expect(m.userspace.has(t)).toBe(false);
}

const everyQueueAvailable = (m: Tracker) =>
  Array.from({ length: NR_CPUS }, (_, q) => q).every((q) => [...m.held.values()].includes(q));

class Register implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly qid: number) {}
  check = (m: Readonly<Tracker>) => !m.down;
  async run(m: Tracker, r: Real) {
    const tag = `reg.${m.n++}`;
    m.held.set(tag, this.qid);
    const ev = await r.s.run({ kind: 'uring_cmd', tag, sqe: registerSqe(this.qid, MAX) });
    // Readiness latches when, with this entry, every queue has an available one (is_ring_ready()).
    if (!m.ready && everyQueueAvailable(m)) m.ready = true;
    else if (!m.ready) expect(ev, 'a REGISTER before readiness completes nothing').toEqual([]);
    absorb(m, ev);
  }
  toString = () => `register(qid=${this.qid})`;
}

class Client implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly cpu: number) {}
  check = (m: Readonly<Tracker>) => !m.down;
  async run(m: Tracker, r: Real) {
    const tag = `client.${m.n++}`;
    m.clients.add(tag);
    const avail = [...m.held.entries()].filter(([, q]) => q === this.cpu).map(([t]) => t);
    const ev = await r.s.run({ kind: 'client', tag, op: 'stat', cpu: this.cpu });
    absorb(m, ev);
    const delivered = ev.filter((e) => e.kind === 'cqe');
    // The ring is ready iff every queue has an available entry: only then do requests reach it.
    if (!m.ready) expect(ev, 'before readiness the client blocks').toEqual([]);
    else if (avail.length > 0) expect(delivered.length).toBe(1);
    else expect(delivered).toEqual([]);
    expect(ev.some((e) => e.kind === 'dev_request'), 'no silent fallback to /dev/fuse').toBe(false);
  }
  toString = () => `client_stat(cpu=${this.cpu})`;
}

class Commit implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Tracker>) => !m.down && m.userspace.size > 0;
  async run(m: Tracker, r: Real) {
    const [oldTag, ent] = [...m.userspace.entries()][this.pick % m.userspace.size]!;
    m.userspace.delete(oldTag);
    const tag = `commit.${m.n++}`;
    m.held.set(tag, ent.qid);
    const ev = await r.s.run({ kind: 'uring_cmd', tag, sqe: { cmd_op: COMMIT, qid: ent.qid, commit_id: ent.commit_id, reply: { unique: 'match', error: 0, payload_sz: 'exact' } } });
    absorb(m, ev);
    expect(ev.filter((e) => e.kind === 'client_done').map((e) => e.kind === 'client_done' && e.res)).toEqual([0]);
    m.committed.push(ent.commit_id);
  }
  toString = () => `commit_and_fetch(pick=${this.pick})`;
}

class CommitAgain implements fc.AsyncCommand<Tracker, Real> {
  check = (m: Readonly<Tracker>) => !m.down && m.committed.length > 0;
  async run(m: Tracker, r: Real) {
    const id = m.committed[m.committed.length - 1]!;
    const tag = `recommit.${m.n++}`;
    m.held.set(tag, 0);
    const ev = await r.s.run({ kind: 'uring_cmd', tag, sqe: { cmd_op: COMMIT, qid: 0, commit_id: id } });
    // A commit id is committable once.
    expect(ev.find((e) => e.kind === 'cqe' && e.tag === tag)).toMatchObject({ res: -ERRNO.ENOENT });
    absorb(m, ev);
  }
  toString = () => 'commit_and_fetch(last committed id again)';
}

class Teardown implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly how: 'abort' | 'umount') {}
  check = (m: Readonly<Tracker>) => !m.down;
  async run(m: Tracker, r: Real) {
    let ev = await r.s.run({ kind: this.how });
    if (this.how === 'umount' && m.clients.size > 0) {
      // A lazily unmounted mount with a client inside stays alive: nothing completes until an abort.
      expect(ev, 'umount of a busy mount completes nothing').toEqual([]);
      ev = await r.s.run({ kind: 'abort' });
    }
    absorb(m, ev);
    // Teardown completes every held command and every blocked client.
    expect([...m.held.keys()]).toEqual([]);
    expect([...m.clients]).toEqual([]);
    m.down = true;
  }
  toString = () => this.how;
}

const commands = [
  fc.integer({ min: 0, max: NR_CPUS - 1 }).map((q) => new Register(q)),
  fc.integer({ min: 0, max: NR_CPUS - 1 }).map((c) => new Client(c)),
  fc.nat(7).map((p) => new Commit(p)),
  fc.constant(new CommitAgain()),
  fc.constantFrom('abort' as const, 'umount' as const).map((h) => new Teardown(h)),
];

describe.each(tTargets().map((t) => [t.name, t] as const))('R0 command sequences (%s)', (_n, tt) => {
  it(`should keep entries in one state, commit ids single-use, readiness exact and teardown complete (seed ${SEED})`, async (ctx) => {
    const target = await tReady(ctx, tt, 'R0');
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: tt.name === 'kernel' ? 12 : 30 }), async (cmds) => {
      const s = await target.open(config);
      const m: Tracker = { held: new Map(), userspace: new Map(), committed: [], clients: new Set(), ready: false, down: false, n: 0 };
      await fc.asyncModelRun(() => ({ model: m, real: { s } }), cmds);
      if (!m.down) await new Teardown('umount').run(m, { s });
      await s.close();
    }), { seed: SEED, numRuns: tt.runs(200) });
  });
});
