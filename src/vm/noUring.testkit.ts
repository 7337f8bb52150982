// What a diff between a FUSE-over-io_uring kernel's report and a pre-io_uring kernel's report must be, and nothing more.
import { expect } from 'vitest';
import type { Difference } from '../report/diff.js';
import { caseId, type RunReport } from '../report/report.js';

export const ABSENT = /^SKIP\(no FUSE-over-io_uring: a well-formed per-entry REGISTER answered -EOPNOTSUPP \(FUSE 7\.\d+ does not offer FUSE_OVER_IO_URING; no fuse\.enable_uring parameter\)\)$/;

/** Fingerprint fields that say what the kernel offers; possible_cpus and the suite's shape must not move. */
const MAY_DIFFER = ['release', 'fuse_minor', 'init_flags_offered', 'init_flags_offered_names', 'enable_uring', 'io_uring_disabled', 'cmd_ops', 'enforced_max_payload_sz', 'revision', 'evidence'];

export function expectOnlyUringAbsent(diffs: readonly Difference[], withUring: RunReport, without: RunReport): void {
  const fp = diffs.filter((d) => d.kind === 'fingerprint').map((d) => d.id.replace(/^fingerprint\./, ''));
  expect(MAY_DIFFER).toEqual(expect.arrayContaining(fp));
  expect(fp).toEqual(expect.arrayContaining(['revision', 'evidence', 'cmd_ops']));
  expect((without.fingerprint as { revision?: string }).revision).toBe('none');
  const cases = diffs.filter((d) => d.kind === 'case');
  // Every case of the io_uring kernel changes, and each one to the same SKIP(reason).
  expect(new Set(cases.map((d) => d.id))).toEqual(new Set(withUring.results.map(caseId)));
  for (const d of cases) expect(d.b).toMatch(ABSENT);
  expect(without.results.every((r) => r.verdict.kind === 'SKIP')).toBe(true);
}
