// The project root, from the source tree (vitest) and from dist/ alike.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
