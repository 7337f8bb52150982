import { execaSync } from 'execa';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newMountDir, removeOwnMountDir, sweepDeadWorkers } from './mountDirs.js';

describe('mount directories per worker', () => {
  it("should sweep a dead worker's /tmp/furc-w<pid> and keep this live process's own", () => {
    const dead = execaSync('sh', ['-c', 'echo $$']).stdout.trim();
    mkdirSync(`/tmp/furc-w${dead}/m-left`, { recursive: true });
    const mine = newMountDir();
    expect(mine.startsWith(`/tmp/furc-w${process.pid}/m-`)).toBe(true);
    expect(sweepDeadWorkers()).toContain(`/tmp/furc-w${dead}`);
    expect([existsSync(`/tmp/furc-w${dead}`), existsSync(mine)]).toEqual([false, true]);
    removeOwnMountDir();
    expect(existsSync(`/tmp/furc-w${process.pid}`)).toBe(false);
    rmSync(`/tmp/furc-w${dead}`, { recursive: true, force: true });
  });
});
