// Harness side of `npm run bench`: the baseline's jobs, built with the spec codec and issued through the addon.
import { mkdtempSync, rmdirSync } from 'node:fs';
import { loadProbe, type NativeProbe } from '../native-probe/index.js';
import { revision } from '../spec/revisions.js';
import { baseConfig } from '../spec/scenarios/families.js';
import type { UringCmdSpec } from '../spec/conn/commands.js';
import { cpus } from '../src/kernel/detect.js';
import { devReadSize, initReply, parseInitIn, parseRequest, rootAttrOut } from '../src/kernel/fuseMsg.js';
import { readHeader, writeReply } from '../src/kernel/delivery.js';
import { answer, newFs } from '../spec/fs/fs.js';
import { FOPEN, FUSE_OPCODE } from '../spec/uapi/fuse_kernel.js';
import { uringCmdSqe } from '../src/kernel/sqe.js';
import { reapCqes } from '../src/kernel/cqes.js';
import { ClientPool } from '../src/kernel/clients.js';
import { iovecArray, Memory, type Region } from '../src/kernel/regions.js';
import { FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../spec/uapi/fuse_uring.js';
import { IORING_SETUP_SQE128 } from '../spec/uapi/io_uring.js';
import { MNT_DETACH, MS_FLAG, O_FLAG } from '../spec/uapi/linux.js';

const R0 = revision('R0');
const MAX = 131072;
const HEADER = fuse_uring_req_header.size;
const { FUSE_IO_URING_CMD_REGISTER: REGISTER, FUSE_IO_URING_CMD_COMMIT_AND_FETCH: COMMIT } = FUSE_URING_CMD;
const init = baseConfig('R0', 1).init!;

interface Conn { ring: number; fd: number; dir: string; memory: Memory; hdr: Region[]; payload: Uint8Array[] }

/** Mount points under the directory npm run bench made (and removes, even if this process is killed). */
const BASE = process.env.FURC_BENCH_DIR ?? '/tmp';

function open(p: NativeProbe): Conn {
  const ring = p.ringSetup(64, IORING_SETUP_SQE128);
  const fd = p.open('/dev/fuse', O_FLAG.O_RDWR);
  const dir = mkdtempSync(`${BASE}/h-`);
  if (ring < 0 || fd < 0 || p.mount('furc', dir, 'fuse', MS_FLAG.MS_NOSUID | MS_FLAG.MS_NODEV, `fd=${fd},rootmode=40000,user_id=0,group_id=0`) < 0) throw new Error('set-up failed');
  const msg = p.read(fd, devReadSize(init.max_write), 2000);
  if (typeof msg === 'number') throw new Error(`no INIT: ${msg}`);
  const { h, body } = parseRequest(msg);
  p.write(fd, initReply(h.unique, parseInitIn(body), init).bytes);
  // The entries' memory as the kernel target makes it (src/kernel/conn.ts): a region each, the iovec arrays as bytes.
  const c: Conn = { ring, fd, dir, memory: new Memory(p), hdr: [], payload: [] };
  const queues = cpus();
  for (let q = 0; q < queues; q++) {
    const hdr = c.memory.region(HEADER), payload = c.memory.region(MAX);
    const iovArray = c.memory.bytes(iovecArray([{ addr: hdr.addr, len: HEADER }, { addr: payload.addr, len: MAX }]));
    c.hdr.push(hdr); c.payload.push(payload.readable()!);
    const sqe: UringCmdSpec = { cmd_op: REGISTER, qid: q, sqe_len: FUSE_URING_IOV_SEGS };
    p.ringSubmit(ring, uringCmdSqe(R0, fd, BigInt(q), sqe, 0n, { iovArray, bufpool: 0n }));
  }
  return c;
}

function close(p: NativeProbe, c: Conn): void {
  p.ringClose(c.ring); p.close(c.fd); p.umount2(c.dir, MNT_DETACH); rmdirSync(c.dir);
  // The REGISTERs read their iovec arrays during submission (INIT was answered first, so none went to io-wq).
  c.memory.release(true);
}

function main(): void {
  const p = loadProbe();
  if (typeof p === 'string') throw new Error(p);
  // As the kernel worker does for each request it serves (src/kernel/worker.ts): a job is one long request.
  p.holdSignals(true);
  const [job, nText, warmText, cpuText] = process.argv.slice(2);
  // WARM untimed iterations first, as raw C has them: V8 runs this loop in its lower tiers for the first ~10,000 requests.
  const n = Number(nText), warm = Number(warmText);
  // Where the stat client pins itself (npm run bench places the server); none: where the scheduler puts it.
  const clientCpu = cpuText === undefined ? undefined : Number(cpuText);
  if (job === 'cycles') {
    for (let i = 0; i < warm; i++) close(p, open(p));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) close(p, open(p));
    console.log((n / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(1));
    return;
  }
  const c = open(p);
  const payloads = c.payload;
  // Every header byte read or written through the spec's layouts (src/kernel/delivery.ts), as the kernel target does.
  const headers = c.hdr.map((h) => h.readable()!);
  const reply = (q: number, unique: bigint, body: Uint8Array) => {
    writeReply(R0, c.hdr[q]!, { unique, error: 0, payloadSz: body.length });
    payloads[q]!.set(body);
    p.ringSubmit(c.ring, uringCmdSqe(R0, c.fd, BigInt(q), { cmd_op: COMMIT, qid: q }, unique, { iovArray: 0n, bufpool: 0n }));
  };
  // The queues whose entries completed: each CQE's user_data is its entry's queue (the REGISTER's and every COMMIT's).
  const reap = (): number[] => {
    const cqes = reapCqes(p, R0, c.ring, 1000);
    if (typeof cqes === 'number') throw new Error(`reap: ${cqes}`);
    const qs = new Array<number>(cqes.length);
    for (let i = 0; i < cqes.length; i++) { if (cqes[i]!.res < 0) throw new Error(`cqe ${cqes[i]!.res}`); qs[i] = Number(cqes[i]!.user_data); }
    return qs;
  };
  const pool = new ClientPool(p, 1);
  let t0 = process.hrtime.bigint();
  let units = 0;
  if (job === 'reads') {
    // The data job: the spec's filesystem answers LOOKUP, OPEN (FOPEN_DIRECT_IO) and each 128 KiB READ of 'big'.
    const fs = newFs(FOPEN.FOPEN_DIRECT_IO);
    pool.submit(0, { verb: 'readloop', path: `${c.dir}/big`, size: MAX, mode: warm + n, ...(clientCpu === undefined ? {} : { cpu: clientCpu }) });
    let reads = 0;
    for (let released = false; !released;) {
      // A reader that failed before its RELEASE (no file, no verb) ends the job instead of a wait for nothing.
      const rows = reap();
      if (rows.length === 0) for (const d of pool.poll()) throw new Error(`reader ended early: ${JSON.stringify(d.answer)}`);
      for (const q of rows) {
        const d = readHeader(R0, headers[q]!);
        const a = answer(fs, { opcode: d.opcode, nodeid: d.nodeid, opIn: d.opIn, payload: payloads[q]!.subarray(0, d.payload_sz) });
        released ||= d.opcode === FUSE_OPCODE.FUSE_RELEASE;
        reply(q, d.unique, a.body);
        if (d.opcode !== FUSE_OPCODE.FUSE_READ) continue;
        if (++reads === warm) t0 = process.hrtime.bigint(); else if (reads > warm) units += a.body.length;
      }
    }
  } else {
    const attr = rootAttrOut();
    pool.submit(0, { verb: 'statloop', path: c.dir, size: warm + n, ...(clientCpu === undefined ? {} : { cpu: clientCpu }) });
    while (units < warm + n) for (const q of reap()) { reply(q, readHeader(R0, headers[q]!).unique, attr); if (++units === warm) t0 = process.hrtime.bigint(); }
    units -= warm;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  while (pool.poll().length === 0) p.waitAny([pool.fdOf(0)], 1000);
  pool.killAll();
  console.log((job === 'reads' ? units / secs / 1e6 : units / secs).toFixed(1));
  close(p, c);
}

main();
