// `npm test`'s runner: the guest tests (QEMU guests; they never touch this machine's FUSE) run in their own vitest
// beside the host tests, whose files share fuse.enable_uring and so run one at a time. Exit 1 when either fails.
import { spawn } from 'node:child_process';

const GUEST = ['src/vm/vm.test.ts', 'src/vm/vm73.test.ts', 'src/vm/standalone.test.ts', 'src/matrix/matrix.vm.test.ts'];
const VITEST = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const extra = process.argv.slice(2);

function vitest(args, buffered) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [VITEST, 'run', ...args, ...extra], { stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const out = [];
    if (buffered) { child.stdout.on('data', (b) => out.push(b)); child.stderr.on('data', (b) => out.push(b)); }
    child.on('close', (code, signal) => done({ code: code ?? 1, signal, text: Buffer.concat(out).toString() }));
  });
}

// The guest run's output is printed after the host run's, so the two do not interleave.
const guest = vitest(GUEST, true);
const host = await vitest(GUEST.flatMap((g) => ['--exclude', g]), false);
const g = await guest;
process.stdout.write(`\n---- guest tests (${GUEST.join(', ')}) ----\n${g.text}`);
process.exit(host.code !== 0 || g.code !== 0 ? 1 : 0);
