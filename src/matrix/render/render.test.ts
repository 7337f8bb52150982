// The HTML page and JUnit file of a three-build timeline: what a reader and a CI dashboard get to see.
import { describe, expect, it } from 'vitest';
import { runMatrix } from '../engine.js';
import { tItem, tOk, tPlan, tRunner, tSuite } from '../matrix.testkit.js';
import { matrixHtml } from './html.js';
import { matrixJunit } from './junit.js';
import { summaryText } from './text.js';

const LABELS = ['6.17.13', '6.18.5', '6.18.15', '7.1.3'];
const matrix = () => runMatrix({
  plan: tPlan(LABELS), items: LABELS.map((l) => tItem(l)), shard: { index: 1, count: 1 }, jobs: 1, accel: 'TCG', note: () => {},
  runner: tRunner({
    '6.17.13': tOk(tSuite('6.17.13', 'R0', { 'common.fuse_dev.missing': 'cqe -ENOTCONN', 'register.baseline': 'held' })),
    '6.18.5': tOk(tSuite('6.18.5', 'R0', { 'common.fuse_dev.missing': 'cqe -EPERM', 'register.baseline': 'held' })),
    '6.18.15': tOk(tSuite('6.18.15', 'R0', { 'common.fuse_dev.missing': 'cqe -EPERM', 'register.baseline': 'held' })),
  }),
});

describe('matrix renderings', () => {
  it('should draw EPERM on 6.18.5 and 6.18.15 as one cell spanning 2 columns, edged as unexpected, after 6.17.13\'s ENOTCONN', async () => {
    const html = matrixHtml(await matrix());
    const row = html.split('\n').find((l) => l.includes('>R0/register/common.fuse_dev.missing<'))!;
    expect(row).toMatch(/<td class="PASS" title="PASS: cqe -ENOTCONN">cqe -ENOTCONN<\/td><td class="PASS unexp" colspan="2" title="PASS: cqe -EPERM&#10;changed from cqe -ENOTCONN after 6\.17\.13 \(UNEXPECTED\)">cqe -EPERM<\/td>/);
    expect(row).toContain('first change at 6.18.5: bisect 6.17.13..6.18.5');
  });

  it('should draw 7.1.3, whose guest brought nothing back, as a hatched cell titled with the reason and an ERROR header', async () => {
    const html = matrixHtml(await matrix());
    expect(html).toContain('<td class="na" title="no results: qemu died for 7.1.3">—</td>');
    expect(html).toContain('<span class="ERROR" title="qemu died for 7.1.3">ERROR</span>');
  });

  it('should fail in JUnit only the row with an unexpected change, and error the build 7.1.3', async () => {
    const x = matrixJunit(await matrix());
    expect(x).toMatch(/<testsuites name="furc matrix" tests="\d+" failures="1" errors="1">/);
    expect(x).toContain('<testcase classname="builds" name="7.1.3"><error type="ERROR" message="qemu died for 7.1.3"/></testcase>');
    expect(x).toContain('<testcase classname="timeline" name="R0/register/common.fuse_dev.missing"><failure type="UNEXPECTED" message="6.17.13 → 6.18.5: cqe -ENOTCONN → cqe -EPERM (UNEXPECTED)">');
    expect(x).toContain('<testcase classname="timeline" name="R0/register/register.baseline"/>');
  });

  it('should end the text summary with 1 change, 1 unexpected and the ERROR build named', async () => {
    expect(summaryText(await matrix()).split('\n').pop()).toBe('# 1 changes, 1 unexpected; 1 builds ERROR: 7.1.3');
  });
});
