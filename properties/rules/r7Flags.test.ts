// R7 init flags: every pair of flag sets on one queue, and every single set's validity, through the Target.
import { describe, expect, it } from 'vitest';
import type { Command, UringCmdSpec } from '../../spec/conn/commands.js';
import { revision } from '../../spec/revisions.js';
import { readFileSync } from 'node:fs';
import { encodeR7Flags, queueInitFlagsConsistent, r7FlagsValid, type R7Flags } from '../../spec/rules/r7.js';
import { baseConfig } from '../../spec/scenarios/families.js';
import { maxPayloadSz } from '../../spec/rules/payload.js';
import { runScenario } from '../../src/target/runScenario.js';
import { NR_CPUS, tReady, tTargets } from '../__helpers__/tTargets.js';
import { FUSE_URING_CMD, FUSE_URING_IOV_SEGS, fuse_uring_req_header } from '../../spec/uapi/fuse_uring.js';

const { FUSE_IO_URING_CMD_REGISTER: REGISTER } = FUSE_URING_CMD;
const HEADER = fuse_uring_req_header.size;

const a = revision('R7').a;
const ALL: R7Flags[] = Array.from({ length: 16 }, (_, i) => ({
  bufring: !!(i & 1), pinned_headers: !!(i & 2), pinned_buffers: !!(i & 4), zero_copy: !!(i & 8),
}));
const letters = (f: R7Flags) => `${f.bufring ? 'B' : ''}${f.pinned_headers ? 'H' : ''}${f.pinned_buffers ? 'P' : ''}${f.zero_copy ? 'Z' : ''}` || '-';
// Independent oracle: the hand-worked table in fixtures/golden/r7.flags.txt, not the spec's functions.
const GOLDEN = readFileSync(new URL('../../fixtures/golden/r7.flags.txt', import.meta.url), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const goldenValid = (f: R7Flags) => GOLDEN.includes(`valid ${letters(f)}`);
const goldenConsistent = (a: R7Flags, b: R7Flags) => GOLDEN.includes(`consistent ${letters(a)} ${letters(b)}`);
const name = (f: R7Flags) => Object.entries(f).filter(([, v]) => v).map(([k]) => k.toUpperCase()).join('|') || '0';
const config = baseConfig('R7', NR_CPUS);
const max = maxPayloadSz(config.init!, a);
const reg = (f: R7Flags, buf_index: number): UringCmdSpec => ({
  cmd_op: REGISTER, qid: 0, flags: encodeR7Flags(f, a), queue_depth: 4, buf_size: max, buf_index, sqe_len: FUSE_URING_IOV_SEGS, iov_array: 'valid',
  iov: [{ len: 4 * HEADER, addr: 'valid', aligned: true }, { len: 2 * max, addr: 'valid', aligned: true }],
});

describe.each(tTargets().map((t) => [t.name, t] as const))('R7 init flags (%s)', (_n, tt) => {
  it.for(ALL.map((f) => [name(f), f] as const))('should accept a first REGISTER with %s iff the flag rules call it valid', async ([, f], ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const { outcome } = await runScenario(target, { config, prior: [], probe: reg(f, 0) });
    expect(outcome.kind === 'held').toBe(goldenValid(f));
  });

  const pairs = ALL.filter(r7FlagsValid).flatMap((f1) => ALL.filter(r7FlagsValid).map((f2) => [`${name(f1)} then ${name(f2)}`, f1, f2] as const));
  it.for(pairs)('should accept the second REGISTER of %s iff queue_init_flags_consistent', async ([, f1, f2], ctx) => {
    const target = await tReady(ctx, tt, 'R7');
    const prior: Command[] = [{ kind: 'uring_cmd', tag: 'first', sqe: reg(f1, 0) }];
    const { outcome } = await runScenario(target, { config, prior, probe: reg(f2, 1) });
    expect(outcome.kind === 'held').toBe(goldenConsistent(f1, f2));
  });

});

describe('R7 flag rules against the hand-worked table', () => {
  it('should agree with the hand-worked table on validity and consistency of all 16 × 16 flag sets', () => {
    for (const f of ALL) expect(r7FlagsValid(f), letters(f)).toBe(goldenValid(f));
    for (const f1 of ALL.filter(goldenValid)) for (const f2 of ALL) {
      expect(queueInitFlagsConsistent(f1, f2), `${letters(f1)} then ${letters(f2)}`).toBe(goldenConsistent(f1, f2));
    }
  });
});
