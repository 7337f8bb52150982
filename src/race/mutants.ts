// Deliberately wrong models, to show that furc race reports an outcome the model does not allow (the harness's own test).
import { negErrno } from '../../spec/errno.js';
import type { ModelVariant } from './oracle.js';

export interface Mutant { readonly title: string; readonly variant: ModelVariant }

export const MUTANTS: Readonly<Record<string, Mutant>> = {
  'abort-ends-waiting-clients-econnaborted': {
    title: 'a fusectl abort ends a client still waiting for the ring to become ready with -ECONNABORTED (the kernel: -ENOTCONN, fuse_get_req sees !connected)',
    variant: {
      filter: (cmd, events) => (cmd.kind !== 'abort' ? events
        : events.map((e) => (e.kind === 'client_done' && e.res === negErrno('ENOTCONN') ? { ...e, res: negErrno('ECONNABORTED') } : e))),
    },
  },
};

export const mutantNames = (): string[] => Object.keys(MUTANTS);
