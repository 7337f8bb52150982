// A matrix's files: the JSON report, JUnit and HTML, each written under a temporary name and renamed into place.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrixHtml } from './render/html.js';
import { matrixJunit } from './render/junit.js';
import type { MatrixReport } from './report.js';

export const OUTPUT_FILES = { json: 'timeline.json', junit: 'timeline.junit.xml', html: 'timeline.html' } as const;

const put = (dir: string, name: string, text: string) => {
  const tmp = join(dir, `.${name}.${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir, name));
};

export function writeMatrixOutputs(r: MatrixReport, dir: string): void {
  mkdirSync(dir, { recursive: true });
  put(dir, OUTPUT_FILES.json, JSON.stringify(r, null, 2) + '\n');
  put(dir, OUTPUT_FILES.junit, matrixJunit(r));
  put(dir, OUTPUT_FILES.html, matrixHtml(r));
}
