// `--debian SUITE:GLOB[,GLOB…][,SUITE:GLOB…]`: the builds a suite's signed index offers, as plan items that fetch on demand.
import { UsageError } from '../../spec/errors.js';
import { buildId, kernelBuilds, type DebianBuild } from '../debian/builds.js';
import { fetchBuild } from '../debian/fetchBuild.js';
import { suiteIndex, type SuiteIndex } from '../debian/suiteIndex.js';
import { compareVersions } from '../debian/version.js';
import { globMatch } from '../glob.js';
import type { PlanItem } from './plan.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SuiteGlob { readonly suite: string; readonly glob: string }

/** An item without a colon is a version glob of the suite before it (`trixie-backports:6.17.13,6.18.*`) or, if it starts with a letter, a whole suite (`sid`). */
export function parseDebianList(spec: string): SuiteGlob[] {
  let suite: string | null = null;
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    const whole = colon < 0 && /^[a-z]/.test(part);
    if (colon >= 0 || whole) suite = whole ? part : part.slice(0, colon);
    const glob = whole ? '*' : colon >= 0 ? part.slice(colon + 1) : part;
    if (!suite || !/^[a-z][a-z0-9-]*$/.test(suite)) throw new UsageError(`--debian ${spec}: '${part}' names no suite (want SUITE[:VERSION-GLOB], e.g. trixie-backports:7.2.*)`);
    return { suite, glob: glob === '' ? '*' : glob };
  });
}

/** The matching builds of every suite, ordered by version; a glob that matches nothing is a usage error. */
export async function debianPlan(globs: readonly SuiteGlob[]): Promise<PlanItem[]> {
  const indexes = new Map<string, SuiteIndex>();
  for (const s of new Set(globs.map((g) => g.suite))) indexes.set(s, await suiteIndex(s));
  const picked = new Map<string, { b: DebianBuild; idx: SuiteIndex }>();
  for (const g of globs) {
    const idx = indexes.get(g.suite)!;
    const all = kernelBuilds(g.suite, idx.packages);
    const hits = all.filter((b) => globMatch(g.glob, b.upstream));
    if (hits.length === 0) throw new UsageError(`--debian ${g.suite}:${g.glob}: no amd64 kernel build matches (the index has ${all.map((b) => b.upstream).join(', ') || 'none'})`);
    for (const b of hits) picked.set(`${g.suite}/${b.release}`, { b, idx });
  }
  const builds = [...picked.values()].sort((x, y) => compareVersions(x.b.upstream, y.b.upstream) || x.b.suite.localeCompare(y.b.suite));
  const dup = (u: string) => builds.filter((x) => x.b.upstream === u).length > 1;
  return builds.map(({ b, idx }): PlanItem => ({
    label: dup(b.upstream) ? `${b.suite}-${b.upstream}` : b.upstream,
    source: `debian ${b.suite} ${b.image.name} ${b.packageVersion}`,
    cacheId: buildId(b),
    prepare: async (note) => {
      const e = await fetchBuild(b, idx, note);
      return {
        kernel: join(e.dir, e.kernel), ...(e.modules ? { modules: join(e.dir, e.modules) } : {}),
        header: e.header ? join(e.dir, e.header) : null, noHeader: `no linux-libc-dev ${b.packageVersion} with a fuse.h in the index or the pool`,
        provenance: readFileSync(join(e.dir, 'provenance.txt'), 'utf8').trimEnd().split('\n'),
      };
    },
  }));
}
