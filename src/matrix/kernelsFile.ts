// `--kernels FILE`: a user's own builds, one per line as `LABEL IMAGE [modules=DIR] [header=fuse.h]` or `LABEL report=FILE`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../spec/errors.js';
import { imageInfo, ImageError } from '../vm/image.js';
import { LABEL, type PlanItem, type Prepared } from './plan.js';

/** Every line is checked (files exist, images are kernels, labels unique) before anything runs. */
export function kernelsFile(file: string): PlanItem[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`--kernels ${file}: cannot read (${(e as NodeJS.ErrnoException).code})`); }
  const items: PlanItem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const at = `${file}:${i + 1}`;
    const [label, ...rest] = line.split(/\s+/);
    if (!LABEL.test(label!)) throw new UsageError(`${at}: label '${label}' must be letters, digits and ._+~- (at most 64)`);
    if (items.some((x) => x.label === label)) throw new UsageError(`${at}: label '${label}' appears twice`);
    const kv = new Map<string, string>(), plain: string[] = [];
    for (const r of rest) {
      const m = /^(modules|header|report)=(.+)$/.exec(r);
      if (m) kv.set(m[1]!, resolve(dirname(file), m[2]!)); else plain.push(resolve(dirname(file), r));
    }
    if (plain.length > 1 || (plain.length === 0) === !kv.has('report')) throw new UsageError(`${at}: want 'LABEL IMAGE [modules=DIR] [header=fuse.h]' or 'LABEL report=FILE [header=fuse.h]'`);
    const need = (p: string, what: string, dir = false) => {
      const s = existsSync(p) ? statSync(p) : null;
      if (!s || s.isDirectory() !== dir) throw new UsageError(`${at}: ${what} ${p} is not ${dir ? 'a directory' : 'a file'}`);
    };
    if (plain[0]) {
      need(plain[0], 'image');
      try { imageInfo(plain[0]); } catch (e) { if (e instanceof ImageError) throw new UsageError(`${at}: ${e.message.replace(/^--kernel /, '')}`); throw e; }
    }
    if (kv.has('modules')) need(kv.get('modules')!, 'modules', true);
    if (kv.has('header')) need(kv.get('header')!, 'header');
    if (kv.has('report')) need(kv.get('report')!, 'report');
    const prepared: Prepared = {
      ...(plain[0] ? { kernel: plain[0] } : {}), ...(kv.has('modules') ? { modules: kv.get('modules')! } : {}), ...(kv.has('report') ? { report: kv.get('report')! } : {}),
      header: kv.get('header') ?? null, noHeader: `${at} names no header=`, provenance: [`${at}: ${line}`],
    };
    items.push({ label: label!, source: at, prepare: async () => prepared });
  });
  if (items.length === 0) throw new UsageError(`--kernels ${file}: lists no kernels`);
  return items;
}
