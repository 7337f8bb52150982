// Per-iteration jitter, reproducible from (seed, scenario, iteration): where each thread's first racing step starts.

/** mulberry32 over a string-derived seed: small, fast, and the same in every run. */
export function rng(seed: number, scenario: string, iteration: number): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${scenario}#${iteration}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x85ebca6b) >>> 0;
  return () => {
    h = (h + 0x6d2b79f5) >>> 0;
    let t = h;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each thread's busy-wait in ns: squared uniform, so most starts are close together and some far apart. */
export function jitters(seed: number, scenario: string, iteration: number, threads: number, maxNs: number): number[] {
  const r = rng(seed, scenario, iteration);
  return Array.from({ length: threads }, () => { const u = r(); return Math.floor(u * u * maxNs); });
}
