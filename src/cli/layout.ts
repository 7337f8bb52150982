// `furc layout --header F --revision R`: drift between a kernel header and a spec revision, and the assumptions it settles.
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { isRevisionId, revision } from '../../spec/revisions.js';
import { REVISIONS } from '../../spec/types.js';
import { jsonText } from '../report/json.js';
import { headerReport } from '../layout/headerProbe.js';
import type { Io } from './main.js';
import { UsageError } from '../../spec/errors.js';

export async function layoutCommand(args: string[], io: Io): Promise<number> {
  const get = (n: string) => { const i = args.indexOf(n); return i < 0 ? undefined : args[i + 1]; };
  const header = get('--header');
  const rev = get('--revision') ?? 'R0';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') continue;
    if (args[i] !== '--header' && args[i] !== '--revision') throw new UsageError(`unknown argument '${args[i]}' (usage: furc layout --header F [--revision R] [--json])`);
    i++;
  }
  if (!header) throw new UsageError('usage: furc layout --header <include/uapi/linux/fuse.h> [--revision R] [--json]');
  if (!isRevisionId(rev)) throw new UsageError(`unknown revision '${rev}' (known: ${REVISIONS.join(', ')})`);
  // Read once for the assumptions, then compare against the revision rebuilt with them.
  const first = await headerReport(header, revision(rev));
  const report = await headerReport(header, revision(rev, first.overrides));
  const settled = Object.entries(report.overrides).map(([id, v]) => {
    const a = ASSUMPTIONS.find((x) => x.id === id)!;
    return { id, spec: a.value, header: v, changed: a.value !== v };
  });
  if (args.includes('--json')) {
    io.out(jsonText({ header, revision: rev, drift: report.drift, assumptions: settled }, 'hex'));
  } else {
    io.out(report.drift.length ? report.drift.join('\n') : `no drift: ${header} matches ${rev}`);
    for (const s of settled) io.out(`assumption ${s.id}: spec 0x${s.spec.toString(16)} → header 0x${s.header.toString(16)}${s.changed ? ' (replaced)' : ' (confirmed)'}`);
  }
  return report.drift.length ? 1 : 0;
}
