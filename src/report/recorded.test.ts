// Finding the recorded report of a kernel: its exact release first, else another build of the same version.
import { describe, expect, it } from 'vitest';
import { kernelVersion, recordedReport, recordedReportName } from './recorded.js';

const NAMES = ['6.1.0-56-amd64.json', '6.17.13+deb13-amd64.json', '6.18.44-fc-v669.json', '7.3.4+deb13-amd64.json', 'volatile.baseline.json'];

describe('recordedReportName', () => {
  it('should cut 6.18.44-fc-v669 and 7.3.4+deb13-amd64 to the versions 6.18.44 and 7.3.4', () => {
    expect([kernelVersion('6.18.44-fc-v669'), kernelVersion('7.3.4+deb13-amd64'), kernelVersion('6.19')]).toEqual(['6.18.44', '7.3.4', '6.19']);
  });

  it('should take the exact release when it has a report: 6.1.0-56-amd64', () => {
    expect(recordedReportName('6.1.0-56-amd64', NAMES)).toBe('6.1.0-56-amd64.json');
  });

  it('should stand 6.18.44-fc-v669 in for the build 6.18.44-fc-v657, and 6.17.13+deb13-amd64 for 6.17.13+deb13-cloud-amd64', () => {
    expect(recordedReportName('6.18.44-fc-v657', NAMES)).toBe('6.18.44-fc-v669.json');
    expect(recordedReportName('6.17.13+deb13-cloud-amd64', NAMES)).toBe('6.17.13+deb13-amd64.json');
  });

  it('should find nothing for 6.18.45-fc-v669, whose version no report has', () => {
    expect(recordedReportName('6.18.45-fc-v669', NAMES)).toBeNull();
  });
});

describe('recordedReport', () => {
  const dir = new URL('../../fixtures/kernels/', import.meta.url).pathname;

  it("should find fixtures/kernels/6.18.44-fc-v669.json for the build 6.18.44-fc-v657, which has none of its own, and its own file for 7.3.4+deb13-amd64", () => {
    expect(recordedReport(dir, '6.18.44-fc-v657')).toBe(`${dir}6.18.44-fc-v669.json`);
    expect(recordedReport(dir, '7.3.4+deb13-amd64')).toBe(`${dir}7.3.4+deb13-amd64.json`);
  });

  it('should find no report for 6.18.45-fc-v669 among the fixtures', () => {
    expect(recordedReport(dir, '6.18.45-fc-v669')).toBeNull();
  });
});
