// Which recorded report (fixtures/kernels/<release>.json) stands for a kernel: its own, else one of the same version.
import { readdirSync } from 'node:fs';

/** The version part of a release: 6.18.44 of 6.18.44-fc-v669, 6.17.13 of 6.17.13+deb13-amd64. */
export const kernelVersion = (release: string): string => release.split(/[-+]/, 1)[0]!;

/** Among file names, the report of `release`, else of its version (the last by name when several), else null. */
export function recordedReportName(release: string, names: readonly string[]): string | null {
  const releases = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  if (releases.includes(release)) return `${release}.json`;
  const same = releases.filter((r) => kernelVersion(r) === kernelVersion(release)).sort();
  return same.length ? `${same.at(-1)}.json` : null;
}

/** The path of the recorded report for `release` in `dir`, or null when neither the release nor its version has one. */
export function recordedReport(dir: string, release: string): string | null {
  const name = recordedReportName(release, readdirSync(dir));
  return name === null ? null : `${dir.replace(/\/$/, '')}/${name}`;
}
