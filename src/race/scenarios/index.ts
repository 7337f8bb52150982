// Every race scenario, in the order furc race runs them.
import type { RevisionId } from '../../../spec/types.js';
import { addQueueVsAbort } from './addQueueVsAbort.js';
import { commitVsRingExit } from './commitVsRingExit.js';
import { commitVsThreadExit } from './commitVsThreadExit.js';
import { deliveryVsThreadExit } from './deliveryVsThreadExit.js';
import { firstRegister } from './firstRegister.js';
import { registerVs } from './registerVs.js';
import type { RaceScenario } from './scenario.js';
import { serverExitStates } from './serverExitStates.js';
import { traffic } from './traffic.js';

export type { RaceScenario } from './scenario.js';

export const SCENARIOS: readonly RaceScenario[] = [
  firstRegister(false), firstRegister(true), registerVs('abort'), registerVs('umount'), registerVs('server-exit'), addQueueVsAbort,
  commitVsRingExit, commitVsThreadExit, deliveryVsThreadExit, serverExitStates, traffic('abort'), traffic('server-exit'),
];

export const scenarioIds = (): string[] => SCENARIOS.map((s) => s.id);

export const scenariosFor = (rev: RevisionId): RaceScenario[] => SCENARIOS.filter((s) => s.revisions.includes(rev));
