// Corpus merge: two shards' findings joined by case hash, unreadable files and cases that no longer reach their step refused.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { mergeCorpora } from './corpus.js';

const work = mkdtempSync(`${tmpdir()}/furc-corpus-merge-test-`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const REG = `${ROOT}fixtures/regressions`;
const A = '0a3014d5e75f-reply-error-511-reaches-the-client', B = '4f97e24dc023-server-exit-releases-a-blocked-client', C = '90df46e93fed-newest-available-entry-takes-the-request';

describe('corpus merge', () => {
  it('should keep 3 distinct findings (with their .c reproducers) from two shards that both found one of them', async () => {
    for (const [d, names] of [['s1', [A, B]], ['s2', [B, C]]] as const) {
      mkdirSync(`${work}/${d}`, { recursive: true });
      for (const n of names) for (const ext of ['json', 'c']) copyFileSync(`${REG}/${n}.${ext}`, `${work}/${d}/${n}.${ext}`);
    }
    const files = [A, B].map((n) => `${work}/s1/${n}.json`).concat([B, C].map((n) => `${work}/s2/${n}.json`));
    const r = await mergeCorpora(files, `${work}/out`);
    expect([r.kept.length, r.duplicates, r.rejected]).toEqual([3, [`${work}/s2/${B}.json`], []]);
    expect(readdirSync(`${work}/out`).sort()).toEqual([A, B, C].flatMap((n) => [`${n}.c`, `${n}.json`]).sort());
  });

  it('should refuse a file that is not JSON and one whose case must reach step 99 but stops before it on the model', async () => {
    mkdirSync(`${work}/s3`, { recursive: true });
    writeFileSync(`${work}/s3/aaaaaaaaaaaa-broken.json`, '{ not json');
    const e = JSON.parse(readFileSync(`${REG}/${A}.json`, 'utf8')) as { mustReach: number };
    writeFileSync(`${work}/s3/${A}.json`, JSON.stringify({ ...e, mustReach: 99 }));
    const r = await mergeCorpora([`${work}/s3/aaaaaaaaaaaa-broken.json`, `${work}/s3/${A}.json`], `${work}/out3`);
    expect(r.kept).toEqual([]);
    expect(r.rejected.map((x) => x.why)).toEqual([expect.stringMatching(/^stops at step \d+ on the model, before step 99 it must reach$/), expect.stringMatching(/not a readable corpus file/)]);
  });
});
