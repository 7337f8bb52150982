// FURC_TIME_SCALE stretches every settle window and deadline for slow machines (furc vm sets it under TCG emulation).

export class TimeScaleError extends Error {}

export function parseTimeScale(v: string | undefined): number {
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 100) throw new TimeScaleError(`FURC_TIME_SCALE=${v}: want a number from 1 to 100`);
  return n;
}

const parsed = (() => { try { return { scale: parseTimeScale(process.env.FURC_TIME_SCALE), error: null }; } catch (e) { return { scale: 1, error: (e as Error).message }; } })();
export const TIME_SCALE = parsed.scale;
/** Set when FURC_TIME_SCALE is malformed; furc refuses to start with this line. */
export const TIME_SCALE_ERROR: string | null = parsed.error;

/** A duration in ms, stretched by FURC_TIME_SCALE. */
export const scaled = (ms: number): number => Math.round(ms * TIME_SCALE);
