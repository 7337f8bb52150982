// Harness side of `npm run bench`: the baseline's two jobs, built with the spec codec and issued through the addon.
import { mkdtempSync, rmdirSync } from 'node:fs';
import { loadProbe, type NativeProbe } from '../native-probe/index.js';
import { revision } from '../spec/revisions.js';
import { baseConfig } from '../spec/scenarios/families.js';
import type { UringCmdSpec } from '../spec/model/commands.js';
import { cpus } from '../src/kernel/detect.js';
import { initReply, parseInitIn, parseRequest, rootAttrOut } from '../src/kernel/fuseMsg.js';
import { uringCmdSqe } from '../src/kernel/sqe.js';
import { ClientPool } from '../src/kernel/clients.js';

const R0 = revision('R0');
const MAX = 131072;
const init = baseConfig('R0', 1).init!;

interface Conn { ring: number; fd: number; dir: string; hdr: Uint8Array[]; iovs: ArrayBuffer[]; keep: ArrayBuffer[] }

function open(p: NativeProbe): Conn {
  const ring = p.ringSetup(64, 1 << 10);
  const fd = p.open('/dev/fuse', 2);
  const dir = mkdtempSync('/tmp/furc-bench-');
  if (ring < 0 || fd < 0 || p.mount('furc', dir, 'fuse', 6, `fd=${fd},rootmode=40000,user_id=0,group_id=0`) < 0) throw new Error('set-up failed');
  const msg = p.read(fd, MAX + 8192, 2000);
  if (typeof msg === 'number') throw new Error(`no INIT: ${msg}`);
  const { h, body } = parseRequest(msg);
  p.write(fd, initReply(h.unique, parseInitIn(body), init).bytes);
  const c: Conn = { ring, fd, dir, hdr: [], iovs: [], keep: [] };
  for (let q = 0; q < cpus(); q++) {
    const hdr = p.alloc(288) as ArrayBuffer, payload = p.alloc(MAX) as ArrayBuffer, iov = p.alloc(32) as ArrayBuffer;
    const dv = new DataView(iov);
    dv.setBigUint64(0, p.addressOf(hdr), true); dv.setBigUint64(8, 288n, true);
    dv.setBigUint64(16, p.addressOf(payload), true); dv.setBigUint64(24, BigInt(MAX), true);
    c.hdr.push(new Uint8Array(hdr)); c.keep.push(hdr, payload, iov);
    const sqe: UringCmdSpec = { cmd_op: 1, qid: q, sqe_len: 2 };
    p.ringSubmit(ring, uringCmdSqe(R0, fd, BigInt(q), sqe, 0n, { iovArray: p.addressOf(iov), bufpool: 0n }));
  }
  return c;
}

function close(p: NativeProbe, c: Conn): void {
  p.ringClose(c.ring); p.close(c.fd); p.umount2(c.dir, 2); rmdirSync(c.dir);
}

function main(): void {
  const p = loadProbe();
  if (typeof p === 'string') throw new Error(p);
  const [job, nText] = process.argv.slice(2);
  const n = Number(nText);
  if (job === 'cycles') {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) close(p, open(p));
    console.log((n / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(1));
    return;
  }
  const c = open(p);
  const attr = rootAttrOut();
  const payloads = c.keep.filter((_, i) => i % 3 === 1).map((b) => new Uint8Array(b));
  const t0 = process.hrtime.bigint();
  const pool = new ClientPool(p, 1);
  pool.submit(0, { verb: 'statloop', path: c.dir, size: n });
  for (let done = 0; done < n;) {
    const rows = p.ringReap(c.ring, 1000, 64);
    if (typeof rows === 'number') throw new Error(`reap: ${rows}`);
    for (const [ud, res] of rows) {
      if (res < 0) throw new Error(`cqe ${res}`);
      const q = Number(ud);
      const h = c.hdr[q]!;
      const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
      const unique = dv.getBigUint64(264, true);
      dv.setUint32(0, 16 + attr.length, true); dv.setInt32(4, 0, true); dv.setBigUint64(8, unique, true); dv.setUint32(272, attr.length, true);
      payloads[q]!.set(attr);
      p.ringSubmit(c.ring, uringCmdSqe(R0, c.fd, ud, { cmd_op: 2, qid: q }, unique, { iovArray: 0n, bufpool: 0n }));
      done++;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  while (pool.poll().length === 0) p.waitAny([pool.fdOf(0)], 1000);
  pool.killAll();
  console.log((n / secs).toFixed(1));
  close(p, c);
}

main();
