// The single executable (node:sea): whether this process is one, its packed files, and the argument that makes it the kernel worker.
import { getAsset, isSea } from 'node:sea';

export const IN_SEA: boolean = isSea();

/** argv[2] of the executable started as the kernel worker (an npm install runs dist/src/kernel/worker.js instead). */
export const WORKER_ARG = '--kernel-worker';

/** A repository file packed into the executable by scripts/package.mjs, by its repository path; null outside one. */
export const seaText = (rel: string): string | null => (IN_SEA ? getAsset(rel, 'utf8') : null);
