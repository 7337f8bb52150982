// MountPoint: one directory across cases while each case's mount comes off it, a fresh one when a mount stays on top.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelTarget } from './kernelTarget.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
// Runs in its own mount namespace. A tmpfs stands in for a case's FUSE mount: what MountPoint looks at is the stack.
const SCRIPT = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const { loadProbe } = await import('${DIST}native-probe/index.js');
const { MountPoint } = await import('${DIST}src/kernel/mountPoint.js');
const { removeOwnMountDir } = await import('${DIST}src/kernel/mountDirs.js');
const p = loadProbe();
const mounts = () => readFileSync('/proc/self/mountinfo', 'latin1').split('\\n').filter((l) => l.includes('/tmp/furc-w' + process.pid + '/')).length;
const writable = (d) => { try { writeFileSync(d + '/x', ''); return true; } catch (e) { return e.code; } };
const m = new MountPoint(p);
const a = m.path();
const under = { again: m.path() === a, write: writable(a), mounts: mounts() };
// A case mounts on top and detaches it at teardown: the same directory serves the next case.
p.mount('case', a, 'tmpfs', 0, 'size=4k'); p.umount2(a, 2); m.afterCase();
const kept = m.path() === a;
// A case whose mount stays on top: the next case gets another directory.
p.mount('case', a, 'tmpfs', 0, 'size=4k'); m.afterCase();
const b = m.path();
const fresh = { other: b !== a, mounts: mounts() };
m.release();
const released = mounts();
removeOwnMountDir();
console.log(JSON.stringify({ under, kept, fresh, released, removed: !existsSync(a) && !existsSync(b) }));
`;

describe.skipIf(KernelTarget.unavailable() !== null)('MountPoint', () => {
  it('should keep one read-only directory across cases, take a fresh one when a mount stays on top, and leave 0 mounts', async () => {
    const r = await execa('unshare', ['--mount', '--propagation', 'private', process.execPath, '--input-type=module', '-e', SCRIPT]);
    expect(JSON.parse(r.stdout)).toEqual({
      under: { again: true, write: 'EROFS', mounts: 1 },
      kept: true,
      fresh: { other: true, mounts: 3 },
      released: 0,
      removed: true,
    });
  });
});
