import { ownValue } from '../util/own-keys.js';
import { fingerprintSecret } from '../util/secrets.js';

/**
 * Partial-object matching, the Chainsaw `assert` idea: every key in the expectation must be present with an equal
 * value; maps match recursively, arrays element-wise (the expected array is a prefix-free subset in order).
 * Returns null on a match, otherwise the first difference as `path: expected X, found Y`.
 */
export function partialMatch(
  actual: unknown,
  expected: unknown,
  path = '',
  show: (value: unknown, path: string) => string = (v) => JSON.stringify(v),
): string | null {
  if (expected === null || typeof expected !== 'object') {
    return actual === expected ||
      (typeof expected !== 'object' &&
        String(actual) === String(expected) &&
        actual !== undefined &&
        typeof actual !== 'object')
      ? null
      : `${path || '(object)'}: expected ${show(expected, path)}, found ${actual === undefined ? 'nothing' : show(actual, path)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${path}: expected a list, found ${actual === undefined ? 'nothing' : show(actual, path)}`;
    let from = 0;
    for (let i = 0; i < expected.length; i++) {
      let found = -1;
      for (let j = from; j < actual.length; j++)
        if (partialMatch(actual[j], expected[i], '', show) === null) {
          found = j;
          break;
        }
      if (found < 0) return `${path}[${i}]: no element matches ${show(expected[i], `${path}[${i}]`)}`;
      from = found + 1;
    }
    return null;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
    return `${path || '(object)'}: expected an object, found ${actual === undefined ? 'nothing' : show(actual, path)}`;
  }
  for (const [k, v] of Object.entries(expected)) {
    const d = partialMatch(ownValue(actual, k), v, path ? `${path}.${k}` : k, show);
    if (d) return d;
  }
  return null;
}

/**
 * How a Secret's values may be shown in a mismatch: keys, lengths and SHA-256 prefixes, never a value (a probe's
 * observation goes to the report, the journal, the console and the webhook). Metadata is shown as it is.
 */
export function showSecretValue(value: unknown, path: string): string {
  if (/^(metadata|type|kind|apiVersion)(\.|$)/.test(path)) return JSON.stringify(value);
  // data holds base64: the length and hash of what it encodes are what an operator can compare with their copy.
  if (typeof value === 'string')
    return fingerprintSecret(path.startsWith('data.') ? Buffer.from(value, 'base64') : value);
  if (Array.isArray(value)) return `[${value.length} item(s)]`;
  if (value && typeof value === 'object') return `{keys: ${Object.keys(value).sort().join(', ') || '(none)'}}`;
  return JSON.stringify(value);
}
