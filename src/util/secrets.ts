/**
 * The run's secret registry: every value that is or may be secret (env values the scenario references in secret
 * positions or under secret-looking names, storage credentials, ARM tokens, webhook URLs, kubeconfig credentials,
 * hook env, values read from Secret objects) is registered once, and every output path masks through it (redact()
 * consults it first). One registry per process: a CLI process runs one drill, and a value masked once too often
 * costs a word of context, while a value missed leaks a key for as long as the evidence is kept.
 */
import { createHash } from 'node:crypto';

/** What a masked value is replaced with. */
export const MASK = '***';

// Shorter values would mask every "1" or "yes" and protect nothing a guess would not find.
const MIN_SECRET = 4;

// Key names whose values are secret. Matched as the tail of a longer name too (dbPassword, AZURE_CLIENT_SECRET).
export const SECRET_NAMES =
  'password|passwd|pwd|secret|token|api[_-]?key|account[_-]?key|access[_-]?key|private[_-]?key|shared[_-]?access[_-]?key|' +
  'key|key[_-]?data|connection[_-]?string|credentials?|signature|sig|authorization|cookie|webhook[_-]?url';
const KEY_NAME = new RegExp(`^[A-Za-z0-9_.-]*?(?:${SECRET_NAMES})$`, 'i');

/** True when a property or variable of that name holds a secret (its whole value is masked, whatever it looks like). */
export function isSecretKey(name: string): boolean {
  return KEY_NAME.test(name);
}

/** Known secret values and the forms they travel in (raw, base64, JSON-escaped, URL-encoded). */
export class SecretRegistry {
  readonly #values = new Set<string>();
  #sorted: string[] | null = null;

  /** Registers a value (and its encodings); values shorter than 4 characters are ignored. */
  register(value: string | null | undefined): void {
    if (!value || value.length < MIN_SECRET) return;
    for (const form of encodings(value)) {
      if (form.length >= MIN_SECRET && !this.#values.has(form)) {
        this.#values.add(form);
        this.#sorted = null;
      }
    }
    // Each line of a multi-line secret (a PEM key) on its own: logs break values at newlines.
    if (value.includes('\n'))
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16) this.register(line);
  }

  /** Replaces every registered value, longest first (a secret containing another is masked whole). */
  mask(text: string): string {
    if (!this.#values.size || !text) return text;
    this.#sorted ??= [...this.#values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.#sorted) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }

  get size(): number {
    return this.#values.size;
  }

  /** Forgets everything (tests; a library caller running several drills in one process may also reset). */
  clear(): void {
    this.#values.clear();
    this.#sorted = null;
  }
}

function encodings(value: string): string[] {
  const forms = new Set([value]);
  forms.add(Buffer.from(value, 'utf8').toString('base64'));
  forms.add(Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''));
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
  forms.add(encodeURIComponent(value));
  // A base64 value (a Secret's data) is also secret once decoded.
  if (/^[A-Za-z0-9+/]{8,}={0,2}$/.test(value) && value.length % 4 === 0) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (!decoded.includes('\uFFFD') && /^[\x20-\x7e\s]+$/.test(decoded)) forms.add(decoded);
  }
  return [...forms];
}

/** The process's registry: redact() and every printer consult it. */
export const runSecrets = new SecretRegistry();

/** What may be printed about a secret value: its length and a SHA-256 prefix, never the value. */
export function fingerprintSecret(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  // No `secret:` in it: redact() would take the length for a value.
  return `<redacted: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}>`;
}

// Flags whose next argument is a credential (`--client-secret X` in an exec plugin, `-p X` for mysql).
const SECRET_FLAG =
  /^(-p|--?[A-Za-z0-9-]*(?:password|passwd|pwd|secret|token|api-key|access-key|account-key|private-key|connection-string|credentials?))$/i;

/** True for a command-line flag whose next argument is a credential. */
export function isSecretFlag(arg: string): boolean {
  return SECRET_FLAG.test(arg);
}

const NOT_SECRET_ENV = new Set(['PWD', 'OLDPWD']);

/** Registers every environment value whose name says it is secret (tokens, keys, connection strings, webhook URLs). */
export function registerEnvSecrets(env: Readonly<Record<string, string | undefined>>, registry = runSecrets): void {
  // PWD and OLDPWD end in "pwd" but are directories; masking the working directory would hide every path.
  for (const [k, v] of Object.entries(env)) if (v && isSecretKey(k) && !NOT_SECRET_ENV.has(k)) registry.register(v);
}

/** The credentials in a kubeconfig's users: tokens, passwords, client keys, auth-provider and exec-plugin secrets. */
export function kubeconfigUserSecrets(users: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown, secret: boolean, prevArg: string | null): void => {
    if (typeof v === 'string') {
      if (secret || (prevArg !== null && isSecretFlag(prevArg))) out.push(v);
      const eq = /^(--?[A-Za-z0-9-]+)=(.+)$/.exec(v);
      if (eq && isSecretFlag(eq[1]!)) out.push(eq[2]!);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, secret, i > 0 && typeof v[i - 1] === 'string' ? (v[i - 1] as string) : null));
      return;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const envEntry = typeof o.name === 'string' && isSecretKey(o.name);
      for (const [k, x] of Object.entries(o)) {
        // client-node names them keyData/keyFile; the file form is client-key-data.
        const hidden =
          secret || isSecretKey(k) || /^(keyData|client-?key-?data)$/i.test(k) || (envEntry && k === 'value');
        visit(x, hidden && k !== 'keyFile' && k !== 'tokenFile', null);
      }
    }
  };
  visit(users, false, null);
  return out;
}
