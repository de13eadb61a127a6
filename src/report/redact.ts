/**
 * Secrets must never reach a report, a journal line or the terminal: reports are uploaded, attached to CI runs
 * and kept for years as compliance evidence. Everything free-text passes through `redact` before it is written.
 * Masking is deliberately greedy: a false positive costs a word of context, a false negative leaks a key.
 */
import { setOwn } from '../util/own-keys.js';

/** What a masked value is replaced with. */
export const MASK = '***';

// Key names whose values are secret. Matched as the tail of a longer name too (dbPassword, AZURE_CLIENT_SECRET).
const SECRET_NAMES =
  'password|passwd|pwd|secret|token|api[_-]?key|account[_-]?key|access[_-]?key|private[_-]?key|shared[_-]?access[_-]?key|' +
  'key|connection[_-]?string|credentials?|signature|sig|authorization|cookie';

// Connection-string parts whose value runs to the next `;` (a SAS contains `&` and `=`).
const CONNECTION_PART = /\b(AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s"'`]+)/gi;
// "Bearer <token>" / "Basic <b64>" anywhere, e.g. a logged header.
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;
// user:password@ in URLs.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)@/gi;
// A JWT is a bearer credential even without a key name next to it.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// name=value, name: value, "name": "value" (JSON), ?sig=… in URLs.
const KEY_VALUE = new RegExp(
  `(["']?)\\b([A-Za-z0-9_-]*?(?:${SECRET_NAMES}))\\1(\\s*[:=]\\s*)((?:Bearer|Basic)\\s+\\S+|"[^"]*"|'[^']*'|[^\\s;,&"'}\\]]+)`,
  'gi',
);
const KEY_NAME = new RegExp(`^[A-Za-z0-9_-]*?(?:${SECRET_NAMES})$`, 'i');

/** Masks secret values in free text (connection strings, SAS signatures, bearer tokens, key=value pairs). */
export function redact(text: string): string {
  return text
    .replace(CONNECTION_PART, (_m, k: string) => `${k}=${MASK}`)
    .replace(URL_USERINFO, (_m, head: string) => `${head}${MASK}@`)
    .replace(JWT, MASK)
    .replace(KEY_VALUE, (_m, q: string, name: string, sep: string, value: string) => {
      const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
      return `${q}${name}${q}${sep}${quote}${MASK}${quote}`;
    })
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${MASK}`);
}

/** True when a property of that name holds a secret (its whole value is masked, whatever it looks like). */
export function isSecretKey(name: string): boolean {
  return KEY_NAME.test(name);
}

/**
 * Redacts a JSON-like value: strings through `redact`, and the whole value of any property whose name says
 * it is secret. Returns a copy; the input is not changed.
 */
export function redactDeep<T>(value: T): T {
  return walk(value, false) as T;
}

function walk(value: unknown, secret: boolean): unknown {
  if (typeof value === 'string') return secret ? MASK : redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, secret));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, walk(v, secret || isSecretKey(k)));
    return out;
  }
  return secret && value !== null && value !== undefined ? MASK : value;
}
