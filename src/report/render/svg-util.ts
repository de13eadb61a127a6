/** Small helpers for the inline SVG charts of report.html: escaping, number formatting, axis ticks. */

/** Escapes text for HTML/SVG content and attribute values (double-quoted). */
export function esc(s: string | number | null | undefined): string {
  return (
    String(s ?? '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
  );
}

/** A coordinate rounded to 0.1 px, so the SVG stays small and stable for golden tests. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A "nice" tick step (1, 2, 5 × 10^k seconds, or whole minutes/hours) giving about `count` ticks up to max. */
export function tickStep(max: number, count = 6): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];
  for (const s of steps) if (max / s <= count) return s;
  return Math.ceil(max / count / 86400) * 86400;
}
