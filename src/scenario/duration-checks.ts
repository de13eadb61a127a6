/**
 * Bounds a duration pattern cannot express. Every duration here means something only above zero (a zero RTO
 * can never be met, a zero timeout fails at once, a zero interval spins). And a timer, a duration the drill
 * waits with setTimeout, must fit Node's 32-bit timer: past 2^31-1 ms (24.8 days) it fires at once, so a
 * `timeout: 99999999999d` would end a wait immediately. Timers are capped at 24 days; objectives and retention
 * periods (ttl, maxAge, immutableFor, expiresAfter) are compared or handed on, never waited for, so they have no
 * cap. The walk follows the published schema, so a free-form map (labels, env) with a `timeout` key is not
 * mistaken for one; a unit test checks that every duration field of the schema is in DURATION_FIELDS.
 */
import { DURATION_PATTERN, formatSeconds, parseDuration } from '../util/duration.js';
import { publishedSchema } from '../util/published-schema.js';
import { problemAt, type Locator, type PathSegment, type Problem } from './problems.js';

/** The longest timer: 24 days, just under Node's setTimeout limit of 2^31-1 ms. */
export const MAX_TIMER_MS = 24 * 86_400_000;

/** Each duration field by its key: a timer (waited for) or a period (compared or passed on). */
export const DURATION_FIELDS: Readonly<Record<string, 'timer' | 'period'>> = {
  rto: 'period',
  rpo: 'period',
  maxAge: 'period',
  ttl: 'period',
  expiresAfter: 'period',
  immutableFor: 'period',
  timeout: 'timer',
  provisionTimeout: 'timer',
  duration: 'timer',
  interval: 'timer',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

let schema: Json | undefined;

/** Durations of zero, and timers beyond 24 days, in a scenario that passed the schema. */
export function durationProblems(scenario: unknown, file: string, locate: Locator): Problem[] {
  schema ??= publishedSchema('scenario.v1') as Json;
  const found = new Map<string, Problem>();
  const check = (v: string, key: string, path: PathSegment[]): void => {
    const ms = parseDuration(v);
    const kind = DURATION_FIELDS[key] ?? 'timer';
    const message =
      ms <= 0
        ? `expected a duration above 0, got "${v}"`
        : kind === 'timer' && ms > MAX_TIMER_MS
          ? `expected at most 24d, got "${v}" (${formatSeconds(ms / 1000)}): a longer wait does not fit a timer`
          : null;
    if (message !== null) found.set(JSON.stringify(path), problemAt(file, locate, path, message));
  };
  const visit = (s: unknown, value: unknown, path: PathSegment[]): void => {
    if (!isObject(s)) return;
    for (const branch of [...((s.anyOf as unknown[]) ?? []), ...((s.oneOf as unknown[]) ?? [])])
      visit(branch, value, path);
    if (s.pattern === DURATION_PATTERN && typeof value === 'string') {
      const key = path.at(-1);
      if (typeof key === 'string' && new RegExp(DURATION_PATTERN).test(value)) check(value, key, path);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(s.items, v, [...path, i]));
    else if (isObject(value) && isObject(s.properties)) {
      const props = s.properties;
      for (const [k, v] of Object.entries(value)) if (Object.hasOwn(props, k)) visit(props[k], v, [...path, k]);
    }
  };
  visit(schema, scenario, []);
  return [...found.values()];
}
