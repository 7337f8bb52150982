// The memory a race program works in: offsets instead of addresses, so the harness and a C reproducer lay it out alike.
export const PAGE = 4096;

/** Strings only the run knows (its mount point, its connection's fusectl abort file), written NUL-terminated. */
export type RunString = 'mountpoint';

/** A u64 holding arena base + `to`; an i32 holding the fd of slot `slot`; up to `max` bytes holding a run string. */
export type Reloc =
  | { readonly kind: 'ptr'; readonly at: number; readonly to: number }
  | { readonly kind: 'fd'; readonly at: number; readonly slot: number }
  | { readonly kind: 'text'; readonly at: number; readonly name: RunString; readonly max: number; readonly suffix?: string };

export interface Arena {
  readonly size: number;
  /** The non-zero bytes, as written: the rest of the arena starts zeroed. */
  readonly chunks: readonly { readonly at: number; readonly bytes: Uint8Array }[];
  readonly relocs: readonly Reloc[];
}

export class ArenaError extends Error {}

export class ArenaBuilder {
  private size = 0;
  private readonly chunks: { at: number; bytes: Uint8Array }[] = [];
  private readonly relocs: Reloc[] = [];

  /** `len` bytes at an offset aligned to `align`. */
  alloc(len: number, align = 8): number {
    const at = Math.ceil(this.size / align) * align;
    this.size = at + Math.max(1, len);
    return at;
  }

  /** `bytes` written at `at` before the race starts. */
  put(at: number, bytes: Uint8Array): void {
    if (at + bytes.length > this.size) throw new ArenaError(`${bytes.length} bytes at ${at} run past the arena's ${this.size}`);
    this.chunks.push({ at, bytes: Uint8Array.from(bytes) });
  }

  /** A fresh allocation holding `bytes`. */
  data(bytes: Uint8Array, align = 8): number {
    const at = this.alloc(bytes.length, align);
    this.put(at, bytes);
    return at;
  }

  /** A NUL-terminated string. */
  text(s: string): number { return this.data(Buffer.from(`${s}\0`)); }

  ptr(at: number, to: number): void { this.relocs.push({ kind: 'ptr', at, to }); }
  fd(at: number, slot: number): void { this.relocs.push({ kind: 'fd', at, slot }); }
  /** `max` bytes at `at` (an existing allocation) that will hold a run string, then `suffix`. */
  textAt(at: number, name: RunString, max: number, suffix = ''): void { this.relocs.push({ kind: 'text', at, name, max, ...(suffix ? { suffix } : {}) }); }
  /** A fresh allocation for a run string. */
  runText(name: RunString, max = 256): number { const at = this.alloc(max); this.textAt(at, name, max); return at; }

  build(): Arena { return { size: Math.ceil(this.size / PAGE) * PAGE, chunks: [...this.chunks], relocs: [...this.relocs] }; }
}

/** Writes the arena into `mem` (zeroed, at least `size` bytes) for a base address, the run's fds and strings. */
export function materialize(a: Arena, mem: Uint8Array, base: bigint, fds: readonly number[], strings: Partial<Record<RunString, string>> = {}): void {
  if (mem.length < a.size) throw new ArenaError(`arena of ${a.size} bytes does not fit in ${mem.length}`);
  mem.fill(0, 0, a.size);
  for (const c of a.chunks) mem.set(c.bytes, c.at);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  for (const r of a.relocs) {
    if (r.kind === 'ptr') dv.setBigUint64(r.at, base + BigInt(r.to), true);
    else if (r.kind === 'fd') {
      const fd = fds[r.slot];
      if (fd === undefined) throw new ArenaError(`fd slot ${r.slot} has no fd`);
      dv.setInt32(r.at, fd, true);
    } else {
      const s = strings[r.name];
      if (s === undefined) throw new ArenaError(`run string ${r.name} not given`);
      const b = Buffer.from(`${s}${r.suffix ?? ''}\0`);
      if (b.length > r.max) throw new ArenaError(`run string ${r.name} of ${b.length} bytes does not fit in ${r.max}`);
      mem.set(b, r.at);
    }
  }
}
