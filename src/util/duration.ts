/**
 * Durations as scenarios and Velero write them: `90s`, `15m`, `4h`, `1h30m`, `4h0m0s`, `500ms`, `2d`.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The JSON Schema pattern for a duration string (kept in step with parseDuration). */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds in a duration string; throws on anything else (validate with DURATION_PATTERN first). */
export function parseDuration(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) {
    throw new Error(`"${text}" is not a duration (expected e.g. 90s, 15m, 4h, 1h30m)`);
  }
  let total = 0;
  for (const [, value, unit] of text.matchAll(PART)) {
    total += Number(value) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** A short human form of a number of seconds: `0s`, `42s`, `12m03s`, `2h05m`, `3d4h`. */
export function formatSeconds(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  s = Math.round(s);
  const d = Math.floor(s / 86_400),
    h = Math.floor((s % 86_400) / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  if (d > 0) return `${sign}${d}d${h}h`;
  if (h > 0) return `${sign}${h}h${String(m).padStart(2, '0')}m`;
  return `${sign}${m}m${String(r).padStart(2, '0')}s`;
}
