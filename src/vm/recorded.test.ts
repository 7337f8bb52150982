// The recorded reports of Debian builds (furc vm --accel tcg) against this machine's: what each kernel does differently, and nothing more.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffReports, loadBaseline, loadReport } from '../report/diff.js';
import { caseId } from '../report/report.js';
import { expectOnlyUringAbsent } from './noUring.testkit.js';

const K = fileURLToPath(new URL('../../fixtures/kernels/', import.meta.url));
const HERE_FIXTURE = `${K}6.18.44-fc-v669.json`;
const VOLATILE = `${K}volatile.baseline.json`;
const EFAULT_FIX = 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=3a0a8bc5';
const BG_FIX = 'https://lore.kernel.org/r/20260408172510.52950-1-joannelkoong@gmail.com';
// Answering the first RELEASE brings the next waiting one (release.0 1) only with the 2026 background-dispatch fix.
const RELEASE_NO_FIX = 'RELEASEs delivered by each COMMIT: flush.0 1, flush.1 1, flush.2 0, flush.3 0, release.0 0', RELEASE_FIX = 'RELEASEs delivered by each COMMIT: flush.0 1, flush.1 1, flush.2 0, flush.3 0, release.0 1';
const caseDiffs = (b: string) => diffReports(loadReport(HERE_FIXTURE), loadReport(`${K}${b}`), loadBaseline(VOLATILE)).filter((d) => d.kind === 'case' && d.status !== 'expected');
const notPass = (b: string) => loadReport(`${K}${b}`).results.filter((r) => r.verdict.kind !== 'PASS' && r.verdict.kind !== 'SKIP');

describe('a pre-io_uring kernel against this one (recorded reports)', () => {
  it('should differ from the 6.18 fixture only in the fingerprint and in every case turning SKIP(no FUSE-over-io_uring …)', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(`${K}6.1.0-57-amd64.json`);
    expectOnlyUringAbsent(diffReports(a, b), a, b);
  });
});

describe('other kernel builds against this one (recorded reports)', () => {
  it('should show 6.17 differing from 6.18 in both fuse_dev rows answering ENOTCONN (no SYNC_INIT ioctl), in reply.header.fault answering the client 0 (EFAULT clobber) and in release.0 0 (no background-dispatch fix), all six XFAIL', () => {
    expect(caseDiffs('6.17.13+deb13-amd64.json').map((d) => [d.id, d.a, d.b])).toEqual([
      ['R0/register/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'cqe -ENOTCONN'], ['R0/register/common.fuse_dev.missing', 'cqe -EPERM', 'cqe -ENOTCONN'],
      ['R0/commit_and_fetch/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'cqe -ENOTCONN'], ['R0/commit_and_fetch/common.fuse_dev.missing', 'cqe -EPERM', 'cqe -ENOTCONN'],
      ['R0/reply/reply.header.fault', 'client -EFAULT', 'client 0'], ['R0/data/data.background.release', RELEASE_FIX, RELEASE_NO_FIX]]);
    expect(notPass('6.17.13+deb13-amd64.json').map((r) => [caseId(r), r.verdict.kind])).toEqual(caseDiffs('6.17.13+deb13-amd64.json').map((d) => [d.id, 'XFAIL']));
  });

  it('should show 7.1.3 (issue 16) with no FAIL, TIMEOUT or ERROR: fuse_dev.missing blocks (XFAIL, 1ec674d3d0ed), reply.header.fault answers the client 0 (XFAIL, 3a0a8bc5) and an answered RELEASE brings no other (XFAIL, background-dispatch fix)', () => {
    const b = loadReport(`${K}7.1.3+deb13-amd64.json`);
    expect(notPass('7.1.3+deb13-amd64.json').map((r) => [caseId(r), r.observed, r.verdict])).toEqual([
      ...['register', 'commit_and_fetch'].map((fam) => [`R0/${fam}/common.fuse_dev.missing`, 'blocked, then cqe -ERESTARTSYS',
        { kind: 'XFAIL', rule: 'common.fuse_dev.missing', link: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/commit/?id=1ec674d3d0ed' }]),
      ['R0/reply/reply.header.fault', 'client 0', { kind: 'XFAIL', rule: 'reply.header.fault', link: EFAULT_FIX }],
      ['R0/data/data.background.release', RELEASE_NO_FIX, { kind: 'XFAIL', rule: 'data.background.release', link: BG_FIX }]]);
    expect(b.results.filter((r) => r.rule === 'common.fuse_dev.sync_init_pending' && r.revision === 'R0').map((r) => [caseId(r), r.observed, r.verdict.kind])).toEqual([
      ['R0/register/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'PASS'], ['R0/commit_and_fetch/common.fuse_dev.sync_init_pending', 'blocked, then cqe -ERESTARTSYS', 'PASS']]);
  });

  it('should show 7.1.3 differing from 6.18 only in its release, its offered INIT flags, the two fuse_dev.missing cases that block, reply.header.fault answering 0 and release.0 0', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(`${K}7.1.3+deb13-amd64.json`);
    const diffs = diffReports(a, b, loadBaseline(VOLATILE)).filter((d) => d.status !== 'expected');
    expect(diffs.filter((d) => d.kind === 'fingerprint').map((d) => [d.id, d.b])).toEqual([['fingerprint.release', '"7.1.3+deb13-amd64"'], ['fingerprint.init_flags_offered', '"0x7ff73fffffb"']]);
    expect(caseDiffs('7.1.3+deb13-amd64.json').map((d) => [d.id, d.a, d.b])).toEqual([
      ['R0/register/common.fuse_dev.missing', 'cqe -EPERM', 'blocked, then cqe -ERESTARTSYS'], ['R0/commit_and_fetch/common.fuse_dev.missing', 'cqe -EPERM', 'blocked, then cqe -ERESTARTSYS'],
      ['R0/reply/reply.header.fault', 'client -EFAULT', 'client 0'], ['R0/data/data.background.release', RELEASE_FIX, RELEASE_NO_FIX]]);
    expect(b.summary).toMatchObject({ cases: a.summary.cases, FAIL: 0, TIMEOUT: 0, ERROR: 0 });
  });

  it('should show 7.2.12 (EFAULT clobber and background dispatch fixed) differing from 6.18 only by 7.2\'s connection rework (measured: kernel.fuse_chan 1), its 10 R0 data cases PASS, background depth 4 through 6 COMMITs and release.0 1 among them', () => {
    const b = loadReport(`${K}7.2.12+deb13-amd64.json`);
    // The measured fact brings common.io_uring.not_negotiated into the R0-ordered families (R0 answers EOPNOTSUPP; R4/R7
    // SKIP here); two R4/R7 rows it now precedes leave theirs, and with the ring made at INIT no COMMIT meets it missing.
    const diffs = caseDiffs('7.2.12+deb13-amd64.json');
    expect(diffs.filter((d) => d.a === '(absent)' && !d.id.includes('/forced/')).map((d) => d.id.endsWith('/common.io_uring.not_negotiated'))).toEqual(Array(10).fill(true));
    // Made at INIT, the ring is never missing: R0's row is forced there, as 7.3's is.
    expect(diffs.filter((d) => d.id.includes('/forced/')).map((d) => [d.id, d.b.slice(0, 40)])).toEqual([['R0/forced/commit_and_fetch.ring.missing', 'SKIP(unreachable from userspace: 7.2 cre']]);
    expect(diffs.filter((d) => d.id.startsWith('R0/') && !d.id.includes('/forced/') && d.a === '(absent)').map((d) => [d.id, d.b])).toEqual([
      ['R0/register/common.io_uring.not_negotiated', 'cqe -EOPNOTSUPP'], ['R0/commit_and_fetch/common.io_uring.not_negotiated', 'cqe -EOPNOTSUPP']]);
    expect(diffs.filter((d) => d.b === '(absent)').map((d) => d.id)).toEqual(['R0/commit_and_fetch/commit_and_fetch.ring.missing', 'R4/register.later_bufring/register.bufring.not_kmbuf', 'R7/register.later_bufring/register.pinned.memlock']);
    expect(b.results.filter((r) => r.family === 'R0 data').map((r) => r.verdict.kind)).toEqual(Array(10).fill('PASS'));
    expect(b.results.find((r) => caseId(r) === 'R0/data/data.background.release')).toMatchObject({ observed: RELEASE_FIX });
    expect(b.results.find((r) => caseId(r) === 'R0/data/data.background.depth')).toMatchObject({ observed: 'READs 32; in flight 4 4 4 4 4 4 4; read 65536 data=ok' });
    expect(b.results.find((r) => caseId(r) === 'R0/reply/reply.header.fault')).toMatchObject({ observed: 'client -EFAULT', verdict: { kind: 'PASS' } });
  });

  it('should show 7.3 judged by R8 alone: R0 cases SKIP as superseded, all 170 reachable R8 cases PASS, REGISTER\'s entry checks of both pool families among them (qid, sqe len, zero-copy index, headers and payload iov -EINVAL, iovec -EFAULT), 10 of them in each of R8 data, R8 data.registered_pool and R8 data.zero_copy (background depth 4, and 2 with a pool\'s 2 buffers; an answered RELEASE brings the next), zero-copy\'s slot errors (EINVAL past the table, EBUSY taken) a registered pool past the table faulting (EFAULT) and a null payload address ending the client -EIO both ways (delivery and reply)', () => {
    const a = loadReport(HERE_FIXTURE), b = loadReport(`${K}7.3.4+deb13-amd64.json`);
    const cases = diffReports(a, b).filter((d) => d.kind === 'case');
    for (const d of cases.filter((x) => x.id.startsWith('R0/'))) expect(d.b).toMatch(/^SKIP\(superseded by R8 on this kernel: ADD_QUEUE \(cmd_op 3\) answered 0/);
    expect(cases.every((d) => d.id.startsWith('R0/') || (d.id.startsWith('R8/') && d.a.startsWith('SKIP(')))).toBe(true);
    const r8 = b.results.filter((r) => r.revision === 'R8');
    const unreachable = (r: (typeof r8)[number]) => r.verdict.kind === 'SKIP' && r.verdict.reason.startsWith('unreachable from userspace');
    expect(r8.filter((r) => !unreachable(r) && r.verdict.kind !== 'PASS').map((r) => [caseId(r), r.observed, r.verdict.kind])).toEqual([]);
    expect(r8.filter((r) => r.verdict.kind === 'PASS')).toHaveLength(170);
    const entryChecks = ['register.qid.out_of_range', 'register.sqe_len.not_iov_segs', 'register.iovec.fault', 'register.zero_copy_index.without_zero_copy', 'register.headers.too_short', 'register.pool.payload_iov.nonzero'];
    const answers = ['cqe -EINVAL', 'cqe -EINVAL', 'cqe -EFAULT', 'cqe -EINVAL', 'cqe -EINVAL', 'cqe -EINVAL'];
    for (const fam of ['R8 register.pool', 'R8 register.registered_pool']) {
      expect(r8.filter((r) => r.family === fam && entryChecks.includes(r.rule)).map((r) => [r.rule, r.observed, r.verdict.kind]), fam).toEqual(entryChecks.map((rule, i) => [rule, answers[i], 'PASS']));
    }
    for (const fam of ['R8 data', 'R8 data.registered_pool', 'R8 data.zero_copy']) expect(r8.filter((r) => r.family === fam).map((r) => r.verdict.kind), fam).toEqual(Array(10).fill('PASS'));
    expect(r8.filter((r) => r.rule === 'data.background.depth').map((r) => [r.family, r.observed])).toEqual([
      ['R8 data', 'READs 32; in flight 4 4 4 4 4 4 4; read 65536 data=ok'], ['R8 data.registered_pool', 'READs 32; in flight 2 2 2 2 2 2 2; read 65536 data=ok'],
      ['R8 data.zero_copy', 'READs 32; in flight 2 2 2 2 2 2 2; read 65536 data=ok']]);
    expect(r8.filter((r) => r.family === 'R8 deliver.zero_copy').map((r) => [r.rule, r.observed])).toEqual([
      ['deliver.baseline', 'held'], ['deliver.zero_copy.slot_beyond_table', 'client -EINVAL'], ['deliver.zero_copy.slot_busy', 'client -EBUSY'], ['deliver.header.fault', 'client -EFAULT']]);
    expect(r8.filter((r) => r.family === 'R8 deliver.registered_pool').map((r) => [r.rule, r.observed])).toEqual([
      ['deliver.baseline', 'held'], ['deliver.pool.slot_unregistered', 'client -EFAULT'], ['deliver.header.fault', 'client -EFAULT']]);
    expect(r8.filter((r) => r.rule.endsWith('.payload.null')).map((r) => [r.family, r.rule, r.observed])).toEqual([['R8 reply', 'reply.payload.null', 'client -EIO'], ['R8 deliver', 'deliver.payload.null', 'client -EIO']]);
    expect(b.summary).toMatchObject({ PASS: 170, FAIL: 0, TIMEOUT: 0, ERROR: 0 });
  });
});
