// JSON lines between the runner and the kernel worker; bigints travel as {"$big":"…"}.
export const toWire = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? { $big: x.toString() } : x));

export const fromWire = (line: string): unknown =>
  JSON.parse(line, (_k, x) => (x && typeof x === 'object' && typeof x.$big === 'string' && Object.keys(x).length === 1 ? BigInt(x.$big) : x));
