// Model-based command sequences through Target, with the invariants a kernel developer relies on; on a connection that
// negotiated FUSE_OVER_IO_URING and on one whose INIT reply lacks it, with REGISTERs that fail while clients wait.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnConfig, Event, UringCmdSpec } from '../../spec/conn/commands.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { baseConfig, registerSqe } from '../../spec/scenarios/families.js';
import { revision } from '../../spec/revisions.js';
import { ERRNO } from '../../spec/errno.js';
import { FUSE_INIT_FLAG } from '../../spec/uapi/fuse_kernel.js';
import { ModelTarget } from '../../src/target/modelTarget.js';
import type { Session, Target } from '../../src/target/target.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;

const SEED = Number(process.env.FURC_SEED ?? 20261121);
const config = baseConfig('R0', NR_CPUS);
const MAX = maxPayloadSz(config.init!, revision('R0').a);
/** The same server, but its INIT reply leaves FUSE_OVER_IO_URING out: fc->io_uring stays 0. */
const notNegotiated: ConnConfig = { ...config, init: { ...config.init!, flags: config.init!.flags & ~FUSE_INIT_FLAG.FUSE_OVER_IO_URING } };

/** What the test knows from events alone: the same bookkeeping works on the kernel. */
interface Tracker {
  held: Map<string, number>; // tag → qid: SQE pending, entry AVAILABLE
  userspace: Map<string, { qid: number; commit_id: bigint }>; // CQE delivered a request
  committed: bigint[];
  clients: Set<string>;
  /** Clients asleep in fuse_block_alloc() until the ring is ready, and clients whose request went to /dev/fuse, oldest first. */
  waiting: string[];
  dev: string[];
  /** fc->io_uring: set by INIT's FUSE_OVER_IO_URING, cleared by any failed REGISTER. */
  io_uring: boolean;
  ready: boolean;
  down: boolean;
  n: number;
}
type Real = { s: Session };

/** How often each command ran over a whole property run (shrinking included): each must have run at least once. */
const ran = new Map<string, number>();
const count = (name: string) => ran.set(name, (ran.get(name) ?? 0) + 1);

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
  /** 'next': the lowest queue without an available entry, so readiness is reachable on a machine of many CPUs. */
  constructor(readonly qid: number | 'next') {}
  check = (m: Readonly<Tracker>) => !m.down;
  async run(m: Tracker, r: Real) {
    count('Register');
    const qid = this.qid === 'next' ? Array.from({ length: NR_CPUS }, (_, q) => q).find((q) => ![...m.held.values()].includes(q)) ?? 0 : this.qid;
    const tag = `reg.${m.n++}`;
    m.held.set(tag, qid);
    const ev = await r.s.run({ kind: 'uring_cmd', tag, sqe: registerSqe(qid, MAX) });
    // Readiness latches when, with this entry, every queue has an available one (is_ring_ready()), and wakes the waiting.
    // Without FUSE_OVER_IO_URING too: fuse_uring_do_register() does not look at fc->io_uring (6.14-7.1).
    if (!m.ready && everyQueueAvailable(m)) { m.ready = true; m.waiting = []; }
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
    // The ring is ready iff every queue has an available entry: only then do requests reach it. Before, a client waits
    // for it while fc->io_uring is set (fuse_block_alloc()), and otherwise goes to /dev/fuse at once.
    const path = m.ready ? 'ring' : m.io_uring ? 'waiting' : '/dev/fuse';
    count(`Client(${path})`);
    if (path === 'waiting') { expect(ev, 'before readiness the client blocks').toEqual([]); m.waiting.push(tag); }
    else if (path === '/dev/fuse') { expect(ev.map((e) => e.kind), 'without io-uring the request goes to /dev/fuse').toEqual(['dev_request']); m.dev.push(tag); }
    else if (avail.length > 0) expect(delivered.length).toBe(1);
    else expect(delivered).toEqual([]);
    if (path !== '/dev/fuse') expect(ev.some((e) => e.kind === 'dev_request'), 'no silent fallback to /dev/fuse').toBe(false);
  }
  toString = () => `client_stat(cpu=${this.cpu})`;
}

/** REGISTERs each of which 6.14's fuse_uring_register() refuses with EINVAL, on queue `qid` (the first: on none). */
const FAILING: Record<string, (qid: number) => UringCmdSpec> = {
  'qid out of range': () => registerSqe(NR_CPUS, MAX),
  'sqe->len 1': (q) => registerSqe(q, MAX, { sqe_len: 1 }),
  'headers 287 bytes': (q) => ({ ...registerSqe(q, MAX), iov: [{ len: 287, addr: 'valid', aligned: true }, { len: MAX, addr: 'valid', aligned: true }] }),
  'payload max_payload_sz - 1': (q) => registerSqe(q, MAX - 1),
};

class FailedRegister implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly how: string, readonly qid: number) {}
  check = (m: Readonly<Tracker>) => !m.down;
  async run(m: Tracker, r: Real) {
    const tag = `badreg.${m.n++}`;
    m.held.set(tag, this.qid);
    const ev = await r.s.run({ kind: 'uring_cmd', tag, sqe: FAILING[this.how]!(this.qid) });
    // fuse_uring_cmd(): a failed REGISTER clears fc->io_uring and wakes fc->blocked_waitq, so every client waiting for the
    // ring sends its request through /dev/fuse instead (in the order the scheduler wakes them: counted, not ordered).
    const woken = m.waiting;
    count(woken.length > 0 ? 'FailedRegister(clients waiting)' : 'FailedRegister');
    expect(ev.filter((e) => e.kind === 'cqe')).toEqual([{ kind: 'cqe', tag, res: -ERRNO.EINVAL }]);
    expect(ev.filter((e) => e.kind !== 'cqe').map((e) => e.kind), `${woken.length} waiting clients go to /dev/fuse`).toEqual(woken.map(() => 'dev_request'));
    absorb(m, ev);
    m.dev.push(...woken);
    m.waiting = [];
    m.io_uring = false;
  }
  toString = () => `register(${this.how}, qid=${this.qid})`;
}

class DevReply implements fc.AsyncCommand<Tracker, Real> {
  check = (m: Readonly<Tracker>) => !m.down && m.dev.length > 0;
  async run(m: Tracker, r: Real) {
    count('DevReply');
    const ev = await r.s.run({ kind: 'dev_reply', error: 0 });
    // The server answers the request of the client that started first; that client's stat returns 0.
    expect(ev).toEqual([{ kind: 'client_done', tag: m.dev[0], res: 0 }]);
    absorb(m, ev);
    m.dev.shift();
  }
  toString = () => 'dev_reply(0)';
}

class Commit implements fc.AsyncCommand<Tracker, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Tracker>) => !m.down && m.userspace.size > 0;
  async run(m: Tracker, r: Real) {
    count('Commit');
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
    count('CommitAgain');
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
    count(`Teardown(${this.how})`);
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

// Teardown is not among them: drawn alike, it ended most sequences before a COMMIT could be repeated (1 Commit, 0
// CommitAgain in 200 runs). Every sequence ends with one instead, by abort or by umount; 'medium' sequences of up to 30
// (fast-check's 'small' stops near 10) reach each command several times even in the kernel's 25 runs.
const queue = fc.integer({ min: 0, max: NR_CPUS - 1 });
const commands = [
  fc.oneof(
    { weight: 3, arbitrary: fc.oneof(fc.constant('next' as const), queue).map((q): fc.AsyncCommand<Tracker, Real> => new Register(q)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(FAILING)), queue).map(([how, q]) => new FailedRegister(how, q)) },
  ),
  queue.map((c) => new Client(c)),
  fc.constant(new DevReply()),
  fc.nat(7).map((p) => new Commit(p)),
  fc.constant(new CommitAgain()),
];
const BOTH = ['Register', 'Client(ring)', 'Client(/dev/fuse)', 'DevReply', 'Commit', 'CommitAgain', 'Teardown(abort)', 'Teardown(umount)'];
const CONNECTIONS = [
  // A failed REGISTER matters most while clients wait for the ring: that must happen here.
  ['INIT with FUSE_OVER_IO_URING', config, [...BOTH, 'Client(waiting)', 'FailedRegister(clients waiting)']],
  // Nothing waits for a ring the connection did not negotiate, yet a complete ring still takes the requests over.
  ['INIT without FUSE_OVER_IO_URING', notNegotiated, [...BOTH, 'FailedRegister']],
] as const;

/** The property: random sequences on fresh connections of `cfg`, each ended by a teardown. */
async function sequences(target: Target, cfg: ConnConfig, numRuns: number): Promise<void> {
  ran.clear();
  const teardown = fc.constantFrom('abort' as const, 'umount' as const);
  await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: 'medium' }), teardown, async (cmds, how) => {
    const s = await target.open(cfg);
    const m: Tracker = { held: new Map(), userspace: new Map(), committed: [], clients: new Set(), waiting: [], dev: [], io_uring: cfg === config, ready: false, down: false, n: 0 };
    try {
      await fc.asyncModelRun(() => ({ model: m, real: { s } }), cmds);
      await new Teardown(how).run(m, { s });
    } finally { await s.close(); }
  }), { seed: SEED, numRuns });
}

describe.each(tTargets().map((t) => [t.name, t] as const))('R0 command sequences (%s)', (_n, tt) => {
  it.for(CONNECTIONS)(`%s: should keep entries in one state, commit ids single-use, readiness exact, /dev/fuse used exactly without io-uring and teardown complete (seed ${SEED})`, async ([, cfg, all], ctx) => {
    await sequences(await tReady(ctx, tt, 'R0'), cfg, tt.runs(200));
    // A command that never ran checked nothing: each one must have run in this very run.
    expect(all.filter((c) => !ran.get(c)), JSON.stringify(Object.fromEntries(ran))).toEqual([]);
  });
});

describe('R0 command sequences against a deliberately wrong model', () => {
  it('should fail on a model whose failed REGISTER leaves fc->io_uring set, so waiting clients stay asleep', async () => {
    const wrong = new ModelTarget({ nr_cpus: NR_CPUS, caps: config.caps }, {}, { failedRegisterKeepsIoUring: true });
    const err = await sequences(wrong, config, 200).then(() => null, (e: unknown) => e as Error & { cause?: Error });
    // fast-check keeps the failing assertion as the cause: the client the failed REGISTER should have sent to /dev/fuse.
    expect(err?.cause?.message).toMatch(/^1 waiting clients go to \/dev\/fuse/);
  });

  it('should fail on a target that makes clients wait for the ring although INIT left FUSE_OVER_IO_URING out', async () => {
    const model = new ModelTarget({ nr_cpus: NR_CPUS, caps: config.caps });
    const ignoresInit: Target = { name: 'model', info: () => model.info(), unsupported: (r) => model.unsupported(r), open: () => model.open(config) };
    const err = await sequences(ignoresInit, notNegotiated, 200).then(() => null, (e: unknown) => e as Error & { cause?: Error });
    expect(err?.cause?.message).toMatch(/^without io-uring the request goes to \/dev\/fuse/);
  });
});
