// The KVM memo: a failed trial on this host, host kernel and qemu is believed for a day, and no longer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KVM_MEMO_MS, rememberedNoKvm, rememberNoKvm } from './kvmMemo.js';

const dir = mkdtempSync(`${tmpdir()}/furc-kvmmemo-test-`);
const saved = process.env.FURC_CACHE;
beforeAll(() => { process.env.FURC_CACHE = dir; });
afterAll(() => { if (saved === undefined) delete process.env.FURC_CACHE; else process.env.FURC_CACHE = saved; rmSync(dir, { recursive: true, force: true }); });
const QEMU = process.execPath;

describe('KVM memo', () => {
  it('should say nothing before any trial was remembered', () => {
    expect(rememberedNoKvm(QEMU)).toBeNull();
  });

  it('should repeat the trial\'s reason right after it failed, and forget it 25 hours later', () => {
    rememberNoKvm(QEMU, 'init did not start within 20 s; last console line: Probing EDD');
    expect(rememberedNoKvm(QEMU)).toMatch(/^KVM failed a trial boot on this host at \S+ \(init did not start within 20 s; last console line: Probing EDD\); remembered until /);
    expect(rememberedNoKvm(QEMU, Date.now() + KVM_MEMO_MS + 3600_000)).toBeNull();
  });

  it('should not apply a memo written under another host kernel or another qemu', () => {
    writeFileSync(`${dir}/kvm-unusable.json`, JSON.stringify({ host: hostname(), hostKernel: `${release()}-old`, qemu: QEMU, reason: 'x', at: new Date().toISOString() }));
    expect(rememberedNoKvm(QEMU)).toBeNull();
    rememberNoKvm(QEMU, 'x');
    expect(rememberedNoKvm('/usr/bin/true')).toBeNull();
  });
});
