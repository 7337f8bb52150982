// Small scenario editors used by the rules' `violate` functions and by scenario baselines.
import type { Command, ConnConfig, IovSpec, UringCmdSpec } from '../conn/commands.js';
import { FUSE_INIT_FLAG } from '../uapi/fuse_kernel.js';
import type { Scenario } from './types.js';

export const withConfig = (s: Scenario, patch: Partial<ConnConfig>): Scenario => ({ ...s, config: { ...s.config, ...patch } });
export const withProbe = (s: Scenario, patch: Partial<UringCmdSpec>): Scenario => ({ ...s, probe: { ...s.probe, ...patch } });
export const withPrior = (s: Scenario, cmds: readonly Command[]): Scenario => ({ ...s, prior: [...s.prior, ...cmds] });
export const mapPrior = (s: Scenario, f: (c: Command) => Command | null): Scenario => ({
  ...s, prior: s.prior.map(f).filter((c): c is Command => c !== null),
});

export function withIov(s: Scenario, index: number, patch: Partial<IovSpec>): Scenario {
  const iov = [...(s.probe.iov ?? [])];
  const cur = iov[index] ?? { len: 0, addr: 'valid' as const, aligned: true };
  iov[index] = { ...cur, ...patch };
  return withProbe(s, { iov });
}

export function withInitFlags(s: Scenario, set: bigint, clear = 0n): Scenario {
  const init = s.config.init;
  if (!init) return s;
  return withConfig(s, { init: { ...init, flags: (init.flags | set) & ~clear } });
}

/** The tag of a scenario's probe step. */
export const PROBE_TAG = 'probe';

/** The scenario's probe step: its uring command, or the client op that probes delivery. */
export const probeCommand = (s: Scenario): Command =>
  s.probeClient ? { ...s.probeClient, tag: PROBE_TAG } : { kind: 'uring_cmd', tag: PROBE_TAG, sqe: s.probe };

/** The INIT answer a well-behaved io_uring server gives. */
export const URING_INIT_FLAGS = FUSE_INIT_FLAG.FUSE_INIT_EXT | FUSE_INIT_FLAG.FUSE_MAX_PAGES | FUSE_INIT_FLAG.FUSE_OVER_IO_URING;
