/**
 * Where trust in a signature comes from: only from outside the report folder and outside the storage account the
 * evidence lives in. A key recorded in the report proves nothing about who signed (anyone can re-sign with a key of
 * their own and record it); a key the auditor holds does. Sources: `--public-key FILE`, `--trusted-keys FILE`, or
 * `DR_DRILL_TRUSTED_KEYS` (a file path).
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inputError } from '../util/errors.js';
import { publicKeyFingerprint, type TrustPolicy } from './signing.js';

/** The trust flags of `report verify`. */
export interface TrustFlags {
  publicKey?: string;
  trustedKeys?: string;
  requireSignature?: boolean;
}

/**
 * The trust policy from flags and the environment; null when no trusted key is given (then nothing can be
 * authenticated). `--public-key` alone requires a signature by that key, as it always has.
 */
export function trustPolicy(
  flags: TrustFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TrustPolicy | null {
  const fingerprints = new Set<string>();
  const sources: string[] = [];
  if (flags.publicKey) {
    for (const f of readKeys(flags.publicKey, '--public-key')) fingerprints.add(f);
    sources.push(`--public-key ${flags.publicKey}`);
  }
  const file = flags.trustedKeys ?? env.DR_DRILL_TRUSTED_KEYS;
  if (file) {
    const what = flags.trustedKeys ? '--trusted-keys' : 'DR_DRILL_TRUSTED_KEYS';
    for (const f of readKeys(file, what)) fingerprints.add(f);
    sources.push(`${what} ${file}`);
  }
  const require = Boolean(flags.requireSignature) || Boolean(flags.publicKey);
  if (!sources.length) return require ? { fingerprints, source: 'no trusted key given', require } : null;
  return { fingerprints, source: sources.join(', '), require };
}

/**
 * Fingerprints in a trusted-keys file: Ed25519 public keys in PEM (any number of blocks) and/or lines
 * `sha256:<64 hex>` (as `report verify` prints them); `#` starts a comment.
 */
export function readKeys(file: string, what: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError(
      'TRUSTED_KEYS_UNREADABLE',
      `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      'pass a file with Ed25519 public keys in PEM or sha256:<fingerprint> lines',
    );
  }
  const out: string[] = [];
  for (const block of text.match(/-----BEGIN [A-Z ]*KEY-----[\s\S]*?-----END [A-Z ]*KEY-----/g) ?? []) {
    try {
      const key = createPublicKey(block);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
      out.push(publicKeyFingerprint(key));
    } catch {
      throw inputError(
        'TRUSTED_KEY_INVALID',
        `${what} ${file} holds a PEM block that is not an Ed25519 public key`,
        'derive one with: openssl pkey -in drill-signing.pem -pubout',
      );
    }
  }
  const rest = text.replace(/-----BEGIN [A-Z ]*KEY-----[\s\S]*?-----END [A-Z ]*KEY-----/g, '');
  for (const [i, raw] of rest.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(line);
    if (!m)
      throw inputError(
        'TRUSTED_KEY_INVALID',
        `${what} ${file}:${i + 1}: expected sha256:<64 hex> or a PEM public key, got "${line.slice(0, 40)}"`,
        'list one fingerprint per line, as report verify prints it (sha256:…)',
      );
    out.push(m[1]!.toLowerCase());
  }
  if (!out.length)
    throw inputError('TRUSTED_KEYS_EMPTY', `${what} ${file} lists no key`, 'add the signing key of your CI drills');
  return out;
}
