// The guest-step shell run here, on the host: busybox sh in the guest runs the same line from the chrooted cwd.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { furcStep, stepResult } from './guestSteps.testkit.js';

const work = mkdtempSync(`${tmpdir()}/furc-step's dir-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('furcStep', () => {
  it("should keep a step's stdout and status 0 in <name>.out/.status, and a bad command's status 2 with its one-line error, while the setup line itself exits 0", async () => {
    const ok = await execa('sh', ['-c', furcStep('spec', ['spec', '--revision', 'R8', '--json'])], { cwd: work, reject: false });
    const bad = await execa('sh', ['-c', furcStep('bad one', ['--no-such-flag'])], { cwd: work, reject: false });
    expect([ok.exitCode, bad.exitCode]).toEqual([0, 0]);
    const s = stepResult(work, 'spec');
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout)).toBeTruthy();
    expect(stepResult(work, 'bad one')).toMatchObject({ status: 2, stdout: '', stderr: "furc: unknown command '--no-such-flag' (try: furc --help)\n" });
  });

  it('should say status null for a step the guest never ran', () => {
    expect(stepResult(work, 'never')).toEqual({ status: null, stdout: '', stderr: '' });
  });
});
