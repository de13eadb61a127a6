/**
 * Secrets must never reach a report, a journal line or the terminal: reports are uploaded, attached to CI runs
 * and kept for years as compliance evidence. Everything free-text passes through `redact` before it is written:
 * first the values the run registered as secret (util/secrets.ts), then the shapes secrets take in text.
 * Masking is deliberately greedy: a false positive costs a word of context, a false negative leaks a key.
 */
import { setOwn } from './own-keys.js';
import { isSecretKey, MASK, runSecrets, SECRET_NAMES } from './secrets.js';

export { MASK, isSecretKey };

// Authorization schemes whose credential follows a space; the scheme word stays, the credential goes.
const SCHEMES = 'Bearer|Basic|token|SharedKey|SharedKeyLite|SharedAccessSignature|Digest|Negotiate|NTLM';

// PEM private keys, also inside JSON strings where newlines are `\n`.
const PEM_PRIVATE = /(-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----)[\s\S]*?(-----END \2-----)/g;
// Connection-string parts whose value runs to the next `;` (a SAS contains `&` and `=`).
const CONNECTION_PART = /\b(AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s"'`]+)/gi;
// "Bearer <token>", "SharedKey acct:sig" anywhere, e.g. a logged header. `token` alone is too common a word.
const AUTH_SCHEME = /\b(Bearer|Basic|SharedKey|SharedKeyLite)\s+(?!\*\*\*)[A-Za-z0-9._~+/=:-]{4,}/g;
// Userinfo in URLs: user:password@, :password@ (redis) and token@ (a lone credential).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@"'<>]+)@/gi;
// Incoming-webhook URLs carry their credential in the path.
const WEBHOOK_URL =
  /\b(https?:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)|[a-z0-9.-]*webhook\.office\.com\/webhook[a-z0-9]*|(?:discord|discordapp)\.com\/api\/webhooks|[a-z0-9.-]+\.logic\.azure\.com(?::\d+)?\/workflows))\/[^\s"'<>)]+/gi;
// Function keys and OAuth codes in query strings.
const QUERY_SECRET = /([?&](?:code|sig|signature|token|access_token|api[_-]?key|key|secret|password)=)[^&\s"'#<>]+/gi;
// A JWT is a bearer credential even without a key name next to it.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// `-p secret`, `--password secret`, `--client-secret secret` on command lines, and in flow lists `[--token, x]`.
const FLAG_VALUE = new RegExp(
  `(^|[\\s\\[,'"])(-p|--?[A-Za-z0-9-]*(?:password|passwd|pwd|secret|token|api-key|access-key|account-key|private-key|connection-string|credentials?))(['"]?,?\\s+['"]?)(?!-|\\*\\*\\*)([^\\s,\\]'"]+)`,
  'gi',
);
/**
 * `-p` is a password to mysql but a port to psql, ssh and redis-cli: a plain port number after `-p` is left as it is
 * (a registered secret is masked anyway, whatever flag precedes it).
 */
export function isPortAfterP(flag: string, value: string): boolean {
  return flag === '-p' && /^\d{1,5}$/.test(value) && Number(value) <= 65535;
}
// Exec-plugin env entries: `name: AZURE_CLIENT_SECRET` followed by its `value:`.
const NAME_VALUE = new RegExp(
  `(["']?name["']?\\s*:\\s*["']?[A-Za-z0-9_]*?(?:${SECRET_NAMES})["']?\\s*[,\\n]\\s*(?:-\\s*)?["']?value["']?\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,}\\]]+)`,
  'gi',
);
// name=value, name: value, "name": "value" (JSON, also JSON inside a JSON string).
const KEY_VALUE = new RegExp(
  `(\\\\?["']?)\\b([A-Za-z0-9_.-]*?(?:${SECRET_NAMES}))\\1(\\s*[:=]\\s*)((?:${SCHEMES})\\s+[^\\s"',;]+|\\\\"(?:[^\\\\]|\\\\(?!"))*\\\\"|"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s;,&"'}\\]]+)`,
  'gi',
);

// Words that follow a secret's name in messages about it ("data.TOKEN: expected …", "password: missing"); a
// registered secret is masked by value anyway.
const NOT_A_VALUE = /^(expected|found|nothing|missing|none|null|undefined|not|unset|present|absent|required|empty)$/i;

/** Masks secret values in free text: registered values first, then every shape in the table above. */
export function redact(text: string): string {
  return runSecrets
    .mask(text)
    .replace(PEM_PRIVATE, (_m, begin: string, _k: string, end: string) => `${begin}${MASK}${end}`)
    .replace(CONNECTION_PART, (_m, k: string) => `${k}=${MASK}`)
    .replace(WEBHOOK_URL, (_m, head: string) => `${head}/${MASK}`)
    .replace(URL_USERINFO, (_m, scheme: string, info: string) => {
      if (info === MASK) return `${scheme}${MASK}@`;
      const colon = info.indexOf(':');
      // user:password keeps the user (who connected is context); a lone token or :password is all secret.
      return colon > 0 ? `${scheme}${info.slice(0, colon)}:${MASK}@` : `${scheme}${MASK}@`;
    })
    .replace(QUERY_SECRET, (_m, head: string) => `${head}${MASK}`)
    .replace(JWT, MASK)
    .replace(NAME_VALUE, (_m, head: string, value: string) => `${head}${quoted(value)}`)
    .replace(FLAG_VALUE, (m, pre: string, flag: string, sep: string, value: string) =>
      isPortAfterP(flag, value) ? m : `${pre}${flag}${sep}${MASK}`,
    )
    .replace(KEY_VALUE, (m, q: string, name: string, sep: string, value: string) => {
      // A namespace or object named like a secret ("vault-token") mapped to a name derived from it is not one.
      const bare = value.replace(/^\\?["']|\\?["']$/g, '');
      if (bare === MASK || NOT_A_VALUE.test(bare) || (name.length >= 3 && bare.startsWith(name) && bare !== name))
        return m;
      const scheme = new RegExp(`^(${SCHEMES})\\s+`, 'i').exec(value);
      if (scheme) return `${q}${name}${q}${sep}${scheme[1]} ${MASK}`;
      return `${q}${name}${q}${sep}${quoted(value)}`;
    })
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${MASK}`);
}

function quoted(value: string): string {
  if (value.startsWith('\\"')) return `\\"${MASK}\\"`;
  const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
  return `${quote}${MASK}${quote}`;
}

// Properties whose keys are data (namespace names, labels), not field names: a key there says nothing of its value.
const NAME_MAPS = new Set(['namespaceMapping', 'labels', 'storageClassMapping', 'zoneMap', 'annotations']);

/**
 * Redacts a JSON-like value: strings through `redact`, and the whole value of any property whose name says
 * it is secret (or of `{name: SECRET_NAME, value}` env entries). Returns a copy; the input is not changed.
 */
export function redactDeep<T>(value: T): T {
  return walk(value, false, false) as T;
}

function walk(value: unknown, secret: boolean, keysAreData: boolean): unknown {
  if (typeof value === 'string') return secret ? MASK : redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, secret, false));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const obj = value as Record<string, unknown>;
    const envEntry = typeof obj.name === 'string' && isSecretKey(obj.name);
    for (const [k, v] of Object.entries(obj)) {
      const hidden = secret || (!keysAreData && isSecretKey(k)) || (envEntry && k === 'value');
      setOwn(out, k, walk(v, hidden, NAME_MAPS.has(k)));
    }
    return out;
  }
  return secret && value !== null && value !== undefined ? MASK : value;
}
