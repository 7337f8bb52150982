// The node flags a furc process hands on to the node processes it starts (its kernel worker, a matrix guest's steps).

/** Only these, not all of execArgv: a test runner's loader flags would come along. Both are furc vm's under TCG (src/vm/qemu.ts). */
const SHARED = new Set(['--jitless', '--no-expose-wasm']);

export const sharedNodeFlags = (): string[] => process.execArgv.filter((a) => SHARED.has(a));
