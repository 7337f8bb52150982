import { describe, expect, it } from 'vitest';
import { APPEND, commandLine, consoleVerdict, qemuArgs, type QemuPlan } from './qemu.js';

const plan: QemuPlan = {
  qemu: 'qemu-system-x86_64', setpriv: '/usr/bin/setpriv', kernel: '/k/bzImage', initrd: '/w/initramfs.cpio', mem: 1024, smp: 2, accel: 'tcg', console: '/w/console.log', append: APPEND,
  shares: [{ tag: 'hostroot', hostPath: '/', guestPath: '/', readonly: true }, { tag: 'furcout', hostPath: '/w/out', guestPath: '', readonly: false }],
};

describe('qemuArgs', () => {
  it('should boot /k/bzImage under TCG on QEMU\'s max CPU less ERMS, FSRM and LA57, with 1024 MiB, 2 CPUs, no reboot, the console in a file and a read-only root share', () => {
    const a = qemuArgs(plan).join(' ');
    expect(a).toContain('-accel tcg -cpu max,erms=off,fsrm=off,la57=off -m 1024 -smp 2 -kernel /k/bzImage -initrd /w/initramfs.cpio');
    expect(a).toContain('-no-reboot');
    expect(a).toContain('-serial file:/w/console.log');
    expect(a).toContain('-virtfs local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap,readonly=on');
    expect(qemuArgs(plan)).toContain('local,path=/w/out,mount_tag=furcout,security_model=none,multidevs=remap');
    expect(qemuArgs({ ...plan, accel: 'kvm' }).join(' ')).toContain('-accel kvm -cpu host');
  });

  it('should ask the kernel for fuse.enable_uring=1, panic=-1 and a ttyS0 console', () => {
    expect(APPEND.split(' ')).toEqual(expect.arrayContaining(['fuse.enable_uring=1', 'panic=-1', 'console=ttyS0,115200']));
  });
});

describe('commandLine', () => {
  it("should add mitigations=off, tsc=reliable and FURC_NODE_FLAGS=\"--jitless --no-expose-wasm\" under TCG, only the first two for --standalone, and none under KVM", () => {
    const words = (accel: 'tcg' | 'kvm', standalone: boolean) => commandLine(accel, { standalone, timeScale: 10 }).split(' ');
    expect(commandLine('tcg', { standalone: false, timeScale: 10 })).toBe(`${APPEND} mitigations=off tsc=reliable FURC_NODE_FLAGS="--jitless --no-expose-wasm" FURC_TIME_SCALE=10`);
    expect(words('tcg', true)).toEqual([...APPEND.split(' '), 'mitigations=off', 'tsc=reliable', 'FURC_TIME_SCALE=10']);
    expect(words('kvm', false)).toEqual([...APPEND.split(' '), 'FURC_TIME_SCALE=10']);
  });
});

describe('consoleVerdict', () => {
  it('should name an init failure, a decompression failure and a panic, in that priority', () => {
    expect(consoleVerdict('x\nFURC-FATAL: the kernel has no 9p filesystem\nKernel panic - not syncing: Attempted to kill init!')).toBe('the kernel has no 9p filesystem');
    expect(consoleVerdict('Probing EDD... ok\n\nXZ-compressed data is corrupt\n\n -- System halted')).toBe('the kernel image did not decompress: XZ-compressed data is corrupt (corrupted or truncated image?)');
    expect(consoleVerdict('[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n')).toBe('kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)');
    expect(consoleVerdict('[    1.0] Run /init as init process\nfurc-init: booted 6.1.0\n')).toBeNull();
  });
});

describe('consoleVerdict of a console still being written', () => {
  it('should not judge a FATAL line still arriving: cut at "neither built in nor" it is no verdict, with its newline it is the whole line', () => {
    // Seen once under load: the 100 ms poll caught the line half written and reported the half.
    const half = 'furc-init: booted 6.1.0\nFURC-FATAL: the kernel has no 9p filesystem: CONFIG_9P_FS is neither built in nor';
    expect(consoleVerdict(half, true)).toBeNull();
    expect(consoleVerdict(`${half} given as a module (pass --modules DIR)\n`, true)).toBe('the kernel has no 9p filesystem: CONFIG_9P_FS is neither built in nor given as a module (pass --modules DIR)');
  });

  it("should still judge the decompressor's last words, ' -- System halted' with no newline after them", () => {
    expect(consoleVerdict('Probing EDD... ok\n\nXZ-compressed data is corrupt\n\n -- System halted', true)).toBe('the kernel image did not decompress: XZ-compressed data is corrupt (corrupted or truncated image?)');
  });
});
