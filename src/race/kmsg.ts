// The kernel log as a race worker reads it: marks naming the iteration, and the splat lines that appeared since.
import type { NativeProbe } from '../../native-probe/index.js';
import { ERRNO } from '../../spec/errno.js';
import { O_FLAG } from '../../spec/uapi/linux.js';
import { SPLAT } from '../kernel/splatPatterns.js';

const O_RDONLY_NONBLOCK = O_FLAG.O_NONBLOCK, { O_WRONLY } = O_FLAG, EPIPE = -ERRNO.EPIPE;

export class Kmsg {
  private readonly fd: number;
  private readonly marks: number;

  /** markers: write "furc: case race/<scenario>#<n>" lines (furc vm attributes splats by them); off on a host. */
  constructor(private readonly p: NativeProbe, markers: boolean) {
    this.fd = p.open('/dev/kmsg', O_RDONLY_NONBLOCK);
    this.marks = markers ? p.open('/dev/kmsg', O_WRONLY) : -1;
    this.drain();
  }

  mark(label: string): void { if (this.marks >= 0) this.p.write(this.marks, Buffer.from(`furc: case ${label}\n`)); }

  /** Every record since the last drain, without its prefix. */
  drain(): string[] {
    const lines: string[] = [];
    for (let i = 0; this.fd >= 0 && i < 10_000; i++) {
      const b = this.p.read(this.fd, 8192, 0);
      if (typeof b === 'number') { if (b === EPIPE) continue; break; }
      lines.push(b.toString('utf8').replace(/^[^;]*;/, '').trim());
    }
    return lines;
  }

  /** The splat lines (WARNING, BUG, Oops, KASAN, hung task, …) since the last drain. */
  splats(): string[] { return this.drain().filter((l) => SPLAT.test(l)); }
}
