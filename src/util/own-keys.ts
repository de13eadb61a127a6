/**
 * Copying objects whose keys come from users (scenario `match`, labels, env, report fields). `out[k] = v` with
 * k = "__proto__" sets the copy's prototype instead of a key: the key silently disappears, and its value's
 * members show through every lookup on the copy. Keys are data here, so they are defined as own properties.
 */

/** Sets `key` on `obj` as an ordinary own, enumerable property, whatever its name. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The own property `key` of a value, or undefined: never a member inherited from Object.prototype. */
export function ownValue(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}
