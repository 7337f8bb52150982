// A run as a KCIDB v5.3 submission: one test object per case, under the build the CI system already submitted.
import { createHash } from 'node:crypto';
import { UsageError } from '../../spec/errors.js';
import type { CaseResult, Verdict } from '../conformance/verdict.js';
import type { RunReport } from './report.js';
import { resultTree } from './tree.js';
import { jsonText } from './json.js';

export const KCIDB_VERSION = { major: 5, minor: 3 } as const;
/** kcidb-io's origin and id patterns (schema v5.3, test.origin and test.build_id). */
const ORIGIN = /^[a-z0-9_]+$/;
const ID = /^[a-z0-9_]+:[^\0]*$/;
/** kcidb-io's maxLength of test.log_excerpt. */
const EXCERPT_MAX = 16384;

export interface KcidbOptions {
  readonly origin: string;
  readonly buildId: string;
  /** ISO 8601 start of the run: every test's start_time, and part of its id. */
  readonly startTime: string;
}

/** --build-id is required; --origin defaults to the build's own origin (a CI system testing its own build). */
export function kcidbOptions(buildId: string | undefined, origin: string | undefined, startTime: Date): KcidbOptions {
  if (buildId === undefined) throw new UsageError('--format kcidb needs --build-id ORIGIN:ID (the KCIDB id of the kernel build under test)');
  if (!ID.test(buildId)) throw new UsageError(`--build-id ${buildId}: want ORIGIN:ID with ORIGIN of [a-z0-9_] (a KCIDB build id)`);
  const o = origin ?? buildId.slice(0, buildId.indexOf(':'));
  if (!ORIGIN.test(o)) throw new UsageError(`--origin ${o}: want [a-z0-9_]+ (the KCIDB origin you submit as)`);
  return { origin: o, buildId, startTime: startTime.toISOString() };
}

/** KCIDB has no XFAIL: a known difference observed is the kernel behaving as documented, so PASS, with the verdict in misc. */
function status(v: Verdict): 'PASS' | 'FAIL' | 'ERROR' | 'SKIP' {
  switch (v.kind) {
    case 'PASS': case 'XFAIL': return 'PASS';
    case 'FAIL': case 'TIMEOUT': return 'FAIL';
    case 'ERROR': return 'ERROR';
    case 'SKIP': return 'SKIP';
  }
}

function excerpt(r: CaseResult): string | undefined {
  const v = r.verdict;
  const text = v.kind === 'SKIP' ? v.reason : v.kind === 'XFAIL' ? `known difference: ${v.link}`
    : v.kind === 'PASS' ? undefined : `${v.kind}: ${v.detail}\nreplay: ${r.replay}`;
  return text === undefined ? undefined : text.replace(/\0/g, '').slice(0, EXCERPT_MAX);
}

const plain = (v: unknown): unknown => JSON.parse(jsonText(v));

export function kcidb(rep: RunReport, o: KcidbOptions): string {
  const fp = rep.fingerprint;
  // One run of one build: the same document always gets the same ids, two runs never share one.
  const run = createHash('sha256').update(`${o.buildId}\n${o.startTime}\n${fp?.release ?? rep.target}`).digest('hex').slice(0, 16);
  const environment = {
    comment: `furc ${rep.target}${fp ? ` on ${fp.release}, FUSE 7.${fp.fuse_minor}, revision ${fp.revision}` : ''}`,
    ...(fp ? { misc: { fingerprint: plain(fp) } } : {}),
  };
  const tests = resultTree(rep.results).flatMap((rev) => rev.families.flatMap((fam) => fam.cases.map(({ name, result: r }) => {
    const path = `furc.${rev.name}.${fam.name}.${name}`;
    const log = excerpt(r);
    return {
      id: `${o.origin}:furc-${run}.${path.slice('furc.'.length)}`, build_id: o.buildId, origin: o.origin, path,
      status: status(r.verdict), start_time: o.startTime, environment,
      ...(log === undefined ? {} : { log_excerpt: log }),
      misc: {
        furc_verdict: r.verdict.kind, revision: r.revision, family: r.family, rule: r.rule, replay: r.replay,
        ...(r.observed === undefined ? {} : { observed: r.observed }),
        ...(r.verdict.kind === 'XFAIL' ? { known_difference: r.verdict.link } : {}),
      },
    };
  })));
  // kci-dev's `submit build --from-json` wants a "builds" key; empty says this submission adds tests to a known build.
  return JSON.stringify({ version: KCIDB_VERSION, builds: [], tests }, null, 2) + '\n';
}
