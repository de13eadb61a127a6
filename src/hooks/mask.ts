/**
 * Masking of hook output: a runbook command prints what it likes (terraform echoes variables, az prints
 * tokens), so its log passes through the literal secret values we know of and then through redact().
 */
import { MASK, isSecretKey, redact } from '../report/redact.js';

// Shorter values would mask every "1" or "yes" in the log and protect nothing a guess would not find.
const MIN_SECRET = 4;

/** Masks every known secret value, longest first (so a secret containing another is masked whole), then redact(). */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...new Set(secrets)].filter((x) => x.length >= MIN_SECRET).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join(MASK);
  }
  return redact(out);
}

/** Values of inherited environment variables named like secrets (ARM_CLIENT_SECRET, TF_VAR_db_password). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && isSecretKey(k))
    .map(([, v]) => v!);
}

/** Credentials of a kubeconfig (YAML or JSON text): client keys, tokens, passwords. */
export function kubeconfigSecrets(text: string): string[] {
  const out: string[] = [];
  const re = /["']?(client-key-data|token|password)["']?\s*:\s*["']?([^\s"',}]+)/g;
  for (const m of text.matchAll(re)) out.push(m[2]!);
  return out;
}
