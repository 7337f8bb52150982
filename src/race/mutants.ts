// Deliberately wrong models, to show that furc race reports an outcome the model does not allow (the harness's own test).
import { negErrno } from '../../spec/errno.js';
import type { ModelVariant } from './oracle.js';

export interface Mutant { readonly title: string; readonly variant: ModelVariant }

export const MUTANTS: Readonly<Record<string, Mutant>> = {
  'refused-with-econnaborted': {
    title: 'a client refused by a connection an abort has closed gets -ECONNABORTED (the kernel: -ENOTCONN, fuse_get_req sees !connected)',
    variant: {
      filter: (_cmd, events) => events.map((e) => (e.kind === 'client_done' && e.res === negErrno('ENOTCONN') ? { ...e, res: negErrno('ECONNABORTED') } : e)),
    },
  },
};

export const mutantNames = (): string[] => Object.keys(MUTANTS);
