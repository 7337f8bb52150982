// Files from a standalone guest over its second serial port: base64 frames with size and sha256, so a cut transfer is caught.
import { createHash } from 'node:crypto';

export const FRAME = { file: 'FURC-FILE', end: 'FURC-FILE-END', done: 'FURC-RESULTS-END' } as const;

/** busybox sh: `send FILE NAME` writes one frame to stdout. */
export const SEND_SH = `send() { echo "${FRAME.file} $(wc -c < "$1") $(sha256sum "$1" | cut -d' ' -f1) $2"; base64 "$1"; echo "${FRAME.end}"; }`;

export class ResultsError extends Error {}

const HEAD = new RegExp(`^${FRAME.file} +(\\d+) ([0-9a-f]{64}) (.+)$`);

/** Name → bytes of every frame; throws when the end marker is missing or a frame's size or sha256 does not match. */
export function unpackResults(text: string): Map<string, Buffer> {
  const lines = text.replace(/\r/g, '').split('\n');
  const files = new Map<string, Buffer>();
  let done = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === FRAME.done) { done = true; break; }
    const m = HEAD.exec(l);
    if (!m) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== FRAME.end; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new ResultsError(`the frame of ${m[3]} has no end (transfer cut short)`);
    const data = Buffer.from(body.join(''), 'base64');
    const sum = createHash('sha256').update(data).digest('hex');
    if (data.length !== Number(m[1]) || sum !== m[2]) throw new ResultsError(`${m[3]} arrived with ${data.length} bytes, sha256 ${sum.slice(0, 12)}…; the guest sent ${m[1]} bytes, ${m[2]!.slice(0, 12)}…`);
    files.set(m[3]!, data);
  }
  if (!done) throw new ResultsError(`no ${FRAME.done} line: the guest did not finish sending (${files.size} files arrived)`);
  return files;
}
