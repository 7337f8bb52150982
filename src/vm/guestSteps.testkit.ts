// More than one furc command per boot: a --guest-setup that runs furc before the main command and keeps its results in cwd.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nodeCommand, q } from './init.js';
import { FURC_JS } from './vm.js';

/** The environment the guest's main furc gets (vm.ts), so a step behaves as that command would. */
const ENV = [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${dirname(process.execPath)}`, 'HOME=/root', 'LANG=C.UTF-8', 'FURC_IN_VM=1', 'FURC_KMSG_MARKERS=1'];

/** Shell for --guest-setup: furc `argv` in the guest, its stdout, stderr and status into <name>.out/.err/.status (the setup itself succeeds). */
export function furcStep(name: string, argv: readonly string[]): string {
  const env = ['/usr/bin/env', '-i', ...ENV].map(q).join(' '), cmd = nodeCommand([process.execPath, FURC_JS, ...argv]);
  return `${env} "FURC_TIME_SCALE=\${FURC_TIME_SCALE:-1}" ${cmd} > ${q(`${name}.out`)} 2> ${q(`${name}.err`)} < /dev/null; echo $? > ${q(`${name}.status`)}; sync`;
}

export interface StepResult { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** What a furcStep left in `dir`; status null when the guest never finished it. */
export function stepResult(dir: string, name: string): StepResult {
  const read = (ext: string) => (existsSync(`${dir}/${name}.${ext}`) ? readFileSync(`${dir}/${name}.${ext}`, 'utf8') : '');
  const s = read('status').trim();
  return { status: /^\d+$/.test(s) ? Number(s) : null, stdout: read('out'), stderr: read('err') };
}
