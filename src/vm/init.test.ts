import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { initScript, nodeCommand, q, type InitPlan } from './init.js';
import { TCG_NODE_FLAGS } from './qemu.js';
import { findBusybox } from './tools.js';

const plan: InitPlan = {
  modules: ['virtio_ring.ko', '9p.ko', 'fuse.ko'],
  shares: [{ tag: 'hostroot', hostPath: '/', guestPath: '/', readonly: true }, { tag: 'cwd', hostPath: "/tmp/it's here", guestPath: "/tmp/it's here", readonly: false }],
  cwd: "/tmp/it's here", argv: ['/usr/bin/node', '/x/furc.js', 'run', '--out', 'a b.json'], env: { PATH: '/usr/bin:/bin', FURC_IN_VM: '1' },
  setup: 'echo 1 > /proc/sys/kernel/io_uring_disabled',
};

describe('initScript', () => {
  it('should parse under busybox sh -n with a quote in cwd and a space in an argument', async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    await execa(busybox, ['sh', '-n', '-c', initScript(plan)]);
  });

  it('should quote so that busybox sh gives back each of 5 awkward words unchanged', async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    const words = ["it's", 'a b', '$HOME', '`id`', '"x"\\n'];
    const { stdout } = await execa(busybox, ['sh', '-c', `printf '%s\\n' ${words.map(q).join(' ')}`]);
    expect(stdout.split('\n')).toEqual(words);
  });

  it("should start node --jitless when /init has FURC_NODE_FLAGS='--jitless --no-expose-wasm', and node with its JIT when it has none", async (ctx) => {
    const busybox = findBusybox();
    if (!busybox) return ctx.skip('no static busybox: install the Debian package busybox-static');
    // WebAssembly needs the JIT: a jitless node has no WebAssembly global.
    const wasm = async (env: Record<string, string>) => {
      const r = await execa(busybox, ['sh', '-c', nodeCommand([process.execPath, '-e', "require('node:fs'); console.log(typeof WebAssembly)"])], { env, extendEnv: false });
      return [r.stdout, r.stderr];
    };
    // And no warning from V8 on stderr that --jitless turned WebAssembly off.
    expect(await wasm({ FURC_NODE_FLAGS: TCG_NODE_FLAGS })).toEqual(['undefined', '']);
    expect(await wasm({})).toEqual(['object', '']);
  });

  it('should mount the host root read-only with cache=loose before the writable cwd share, and load fuse last', () => {
    const s = initScript(plan);
    expect(s).toContain("mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose 'hostroot' /host");
    expect(s.indexOf("'hostroot' /host")).toBeLessThan(s.indexOf(`'cwd' /host'/tmp/it'\\''s here'`));
    expect(s).toContain("for m in 'virtio_ring.ko' '9p.ko' 'fuse.ko'; do");
    expect(() => initScript({ ...plan, shares: plan.shares.slice(1) })).toThrow('the first share must be the host root');
  });
});
