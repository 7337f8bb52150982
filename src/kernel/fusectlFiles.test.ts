// FusectlFiles: a connection's id reused by a newer connection is neither aborted nor taken for the old one.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelTarget } from './kernelTarget.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
// Runs in its own mount namespace: two fuse mounts in a row (no INIT answered), the second usually given the first's id.
const SCRIPT = `
import { mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
const { loadProbe } = await import('${DIST}native-probe/index.js');
const { connectionId, ensureFusectl } = await import('${DIST}src/kernel/procfs.js');
const { FusectlFiles } = await import('${DIST}src/kernel/fusectlFiles.js');
const p = loadProbe();
ensureFusectl(p);
const conn = () => {
  const fd = p.open('/dev/fuse', 2), dir = mkdtempSync('/tmp/furc-ctl-');
  if (p.mount('furc', dir, 'fuse', 6, 'fd=' + fd + ',rootmode=40000,user_id=0,group_id=0') < 0) throw new Error('mount');
  return { fd, dir, id: connectionId(dir) };
};
const drop = (c) => { p.close(c.fd); p.umount2(c.dir, 2); rmdirSync(c.dir); };
const a = conn(), files = new FusectlFiles(a.id);
const wasGone = files.gone();
drop(a);
for (let i = 0; i < 2000 && !files.gone(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
const b = conn();
files.abort();
const bAborted = files.aborted() && readFileSync('/sys/fs/fuse/connections/' + b.id + '/max_background', 'latin1').trim() === '4294967295';
console.log(JSON.stringify({ reused: a.id === b.id, wasGone, goneAfter: files.gone(), bAborted }));
files.close(); drop(b);
`;

describe.skipIf(KernelTarget.unavailable() !== null)('FusectlFiles', () => {
  it('should not abort, nor wait for, the connection that took the id of one torn down before it', async (ctx) => {
    const r = await execa('unshare', ['--mount', '--propagation', 'private', process.execPath, '--input-type=module', '-e', SCRIPT]);
    const o = JSON.parse(r.stdout) as { reused: boolean; wasGone: boolean; goneAfter: boolean; bAborted: boolean };
    if (!o.reused) ctx.skip('the kernel gave the second connection another id: nothing was reused to check');
    expect(o.wasGone).toBe(false);
    expect(o.goneAfter).toBe(true);
    expect(o.bAborted).toBe(false);
  });
});
