// Entry point of the single executable: the furc CLI, or the kernel worker when the executable starts itself as one.
import { main } from '../cli/main.js';
import { WORKER_ARG } from './sea.js';

if (process.argv[2] === WORKER_ARG) void import('../kernel/worker.js');
else void main(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s) }).then((rc) => { process.exitCode = rc; });
