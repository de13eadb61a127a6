/**
 * How often a Velero Schedule runs, from its cron expression, read the way Velero reads it (robfig/cron's standard
 * parser: five fields `minute hour day-of-month month day-of-week`, names like MON or JAN, `*`, `?`, ranges,
 * lists and steps, the descriptors @yearly…@hourly and `@every <duration>`, an optional `CRON_TZ=`/`TZ=` prefix).
 * What a drill needs is the longest gap between two runs: the most data a disaster can take when the newest
 * backup is all there is. "0 3 * * 1-5" runs daily but leaves 72 h from Friday to Monday.
 */

/** The cadence of one Schedule. */
export interface Cadence {
  /** The expression as Velero has it. */
  expression: string;
  /** The longest time between two consecutive runs, in seconds. */
  longestGapSeconds: number;
  /** The shortest, in seconds (equal to the longest for a regular schedule). */
  shortestGapSeconds: number;
  /** The time zone prefix, when the expression has one (gaps are computed in UTC; DST shifts them by an hour). */
  timeZone: string | null;
}

/** A schedule's cadence, or why its cron expression could not be read. */
export type CadenceResult = { ok: true; cadence: Cadence } | { ok: false; message: string };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

interface Field {
  values: Set<number>;
  /** `*` or `?` without a step: robfig then ANDs day-of-month with day-of-week instead of ORing them. */
  star: boolean;
}

class CronError extends Error {}

function value(text: string, f: FieldSpec): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + f.min;
  if (!/^\d+$/.test(text)) throw new CronError(`${f.name}: "${text}" is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new CronError(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: FieldSpec): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new CronError(`${f.name}: "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new CronError(`${f.name}: step "${stepText}" is not a positive number`);
    let lo: number, hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [f.min, f.max];
      if (step === 1) star = true;
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new CronError(`${f.name}: "${range}"`);
      lo = value(a!, f);
      // "N/step" means from N to the end, as in robfig/cron.
      hi = b !== undefined ? value(b, f) : stepText !== undefined ? f.max : lo;
      if (hi < lo) throw new CronError(`${f.name}: range ${range} ends before it starts`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star };
}

const GO_UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration (`time.ParseDuration`): `6h`, `1h30m`, `90s`, `1.5h`. */
function goDurationSeconds(text: string): number {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) throw new CronError(`@every: "${text}" is not a duration`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(n) * GO_UNIT_SECONDS[unit!]!;
  if (total < 1) throw new CronError(`@every: "${text}" is shorter than a second`);
  return total;
}

// Long enough for every pattern to repeat (leap years, weekdays) and for a 29 February to come twice.
const FROM = Date.UTC(2025, 0, 1);
const DAYS = 8 * 366 + 14;

/** The cadence of a Velero Schedule's `spec.schedule`, or why it cannot be read. */
export function scheduleCadence(expression: string): CadenceResult {
  try {
    let rest = expression.trim();
    let timeZone: string | null = null;
    const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
    if (tz) {
      timeZone = tz[1]!;
      rest = rest.slice(tz[0].length);
    }
    if (rest.startsWith('@every ')) {
      const gap = goDurationSeconds(rest.slice('@every '.length).trim());
      return { ok: true, cadence: { expression, longestGapSeconds: gap, shortestGapSeconds: gap, timeZone } };
    }
    const text = DESCRIPTORS[rest.toLowerCase()] ?? rest;
    if (text.startsWith('@')) throw new CronError(`unknown descriptor ${text}`);
    const parts = text.split(/\s+/);
    if (parts.length !== 5)
      throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`);
    const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!)) as [
      Field,
      Field,
      Field,
      Field,
      Field,
    ];
    const minutesOfDay = [...hour.values]
      .sort((a, b) => a - b)
      .flatMap((h) => [...minute.values].sort((a, b) => a - b).map((m) => h * 60 + m));
    let previous: number | null = null;
    let longest = 0;
    let shortest = Infinity;
    for (let d = 0; d < DAYS; d++) {
      const day = new Date(FROM + d * 86_400_000);
      if (!month.values.has(day.getUTCMonth() + 1)) continue;
      const domMatch = dom.values.has(day.getUTCDate());
      const dowMatch = dow.values.has(day.getUTCDay());
      if (!(dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch)) continue;
      for (const m of minutesOfDay) {
        const at = d * 1440 + m;
        if (previous !== null) {
          longest = Math.max(longest, at - previous);
          shortest = Math.min(shortest, at - previous);
        }
        previous = at;
      }
    }
    if (shortest === Infinity) throw new CronError('it never runs more than once in eight years');
    return {
      ok: true,
      cadence: { expression, longestGapSeconds: longest * 60, shortestGapSeconds: shortest * 60, timeZone },
    };
  } catch (e) {
    if (e instanceof CronError) return { ok: false, message: `"${expression}" is not a cron schedule: ${e.message}` };
    throw e;
  }
}
