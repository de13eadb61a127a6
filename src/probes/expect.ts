/** Matching expectations shared by exec and http probes: regular expressions and values at JSON paths. */
import { ownValue } from '../util/own-keys.js';
import type { JsonExpectation } from '../plan/probe-plan.js';
import { partialMatch } from './match.js';
import type { Attempt } from './poll.js';

/** The value at a dotted path ("a.b.0.c"; "" is the whole document); undefined when any step is missing. */
export function valueAt(doc: unknown, path: string): unknown {
  if (path === '' || path === '.') return doc;
  return path
    .replace(/^\./, '')
    .split('.')
    .reduce<unknown>((v, k) => {
      if (Array.isArray(v)) return /^\d+$/.test(k) ? v[Number(k)] : undefined;
      return ownValue(v, k);
    }, doc);
}

/** null when `text` (a JSON document) satisfies the expectation, otherwise what differs. */
export function checkJson(text: string, e: JsonExpectation): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `output is not JSON: ${text.slice(0, 80)}`;
  }
  const v = valueAt(doc, e.path);
  if (v === undefined) return `nothing at JSON path ${e.path || '(root)'}`;
  if (e.equals !== undefined) {
    const d = partialMatch(v, e.equals, e.path);
    if (d) return d;
  }
  if (e.matches !== undefined) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    if (!new RegExp(e.matches).test(s))
      return `${e.path}: ${JSON.stringify(s.slice(0, 120))} does not match /${e.matches}/`;
  }
  return null;
}

/** An answer judged: done when nothing fell short, else waiting with every shortfall before what was seen. */
export function judged(seen: string, problems: ReadonlyArray<string | null>): Attempt {
  const short = problems.filter((x): x is string => x !== null);
  return short.length
    ? { state: 'waiting', observation: `${short.join('; ')} (${seen})` }
    : { state: 'done', observation: seen };
}

/** null when `text` matches the regular expression, otherwise a short statement of the mismatch. */
export function checkRegex(what: string, text: string, pattern: string): string | null {
  return new RegExp(pattern, 'm').test(text) ? null : `${what} does not match /${pattern}/`;
}
