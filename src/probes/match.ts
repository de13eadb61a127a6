import { ownValue } from '../util/own-keys.js';

/**
 * Partial-object matching, the Chainsaw `assert` idea: every key in the expectation must be present with an equal
 * value; maps match recursively, arrays element-wise (the expected array is a prefix-free subset in order).
 * Returns null on a match, otherwise the first difference as `path: expected X, found Y`.
 */
export function partialMatch(actual: unknown, expected: unknown, path = ''): string | null {
  if (expected === null || typeof expected !== 'object') {
    return actual === expected ||
      (typeof expected !== 'object' &&
        String(actual) === String(expected) &&
        actual !== undefined &&
        typeof actual !== 'object')
      ? null
      : `${path || '(object)'}: expected ${JSON.stringify(expected)}, found ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${path}: expected a list, found ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`;
    let from = 0;
    for (let i = 0; i < expected.length; i++) {
      let found = -1;
      for (let j = from; j < actual.length; j++)
        if (partialMatch(actual[j], expected[i]) === null) {
          found = j;
          break;
        }
      if (found < 0) return `${path}[${i}]: no element matches ${JSON.stringify(expected[i])}`;
      from = found + 1;
    }
    return null;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
    return `${path || '(object)'}: expected an object, found ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`;
  }
  for (const [k, v] of Object.entries(expected)) {
    const d = partialMatch(ownValue(actual, k), v, path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}
