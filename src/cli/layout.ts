// `furc layout --header F --revision R`: drift between a kernel header and a spec revision, and the assumptions it settles.
import { ASSUMPTIONS } from '../../spec/assumptions.js';
import { revision } from '../../spec/revisions.js';
import { jsonText } from '../report/json.js';
import { headerReport } from '../layout/headerProbe.js';
import type { Io } from './main.js';
import { parse } from './args.js';
import { LAYOUT } from './commands.js';

export async function layoutCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: o } = parse(LAYOUT, args);
  const header = o.header, rev = o.revision ?? 'R0';
  // Read once for the assumptions, then compare against the revision rebuilt with them.
  const first = await headerReport(header, revision(rev));
  const report = await headerReport(header, revision(rev, first.overrides));
  const settled = Object.entries(report.overrides).map(([id, v]) => {
    const a = ASSUMPTIONS.find((x) => x.id === id)!;
    return { id, spec: a.value, header: v, changed: a.value !== v };
  });
  if (o.json) {
    io.out(jsonText({ header, revision: rev, drift: report.drift, assumptions: settled }, 'hex'));
  } else {
    io.out(report.drift.length ? report.drift.join('\n') : `no drift: ${header} matches ${rev}`);
    for (const s of settled) io.out(`assumption ${s.id}: spec 0x${s.spec.toString(16)} → header 0x${s.header.toString(16)}${s.changed ? ' (replaced)' : ' (confirmed)'}`);
  }
  return report.drift.length ? 1 : 0;
}
