// The header check of one build: its linux-libc-dev fuse.h against the revision the build itself reports.
import { isRevisionId, revision } from '../../spec/revisions.js';
import { HeaderError, headerReport } from '../layout/headerProbe.js';
import type { Cell } from './report.js';

export async function layoutCell(header: string | null, noHeaderWhy: string, rev: string | null): Promise<Cell> {
  if (!header) return { verdict: 'SKIP', outcome: 'SKIP(no header)', detail: noHeaderWhy };
  if (!rev || !isRevisionId(rev)) return { verdict: 'SKIP', outcome: 'SKIP(no revision)', detail: `the build reports revision ${rev ?? '(none)'}: nothing to check ${header} against` };
  try {
    // As furc layout does: read the header once for the assumptions it settles, then compare against the settled revision.
    const first = await headerReport(header, revision(rev));
    const r = await headerReport(header, revision(rev, first.overrides));
    const settled = Object.entries(r.overrides).map(([id, v]) => `assumption ${id} = 0x${v.toString(16)}`);
    return r.drift.length === 0
      ? { verdict: 'PASS', outcome: `no drift against ${rev}`, ...(settled.length ? { detail: settled.join('\n') } : {}) }
      : { verdict: 'FAIL', outcome: `drift against ${rev}: ${r.drift.length} lines`, detail: [...r.drift, ...settled].join('\n') };
  } catch (e) {
    if (e instanceof HeaderError) return { verdict: 'ERROR', outcome: 'ERROR', detail: e.message };
    throw e;
  }
}
