/**
 * Masking of hook output: a runbook command prints what it likes (terraform echoes variables, az prints
 * tokens), so its log passes through the literal secret values we know of and then through redact().
 */
import { MASK, isPortAfterP, isSecretKey, redact } from '../util/redact.js';
import { parse as parseYaml } from 'yaml';
import { isSecretFlag, kubeconfigUserSecrets } from '../util/secrets.js';

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

/**
 * A hook's command as it may be shown (report, journal, log header, `plan`): every registered secret masked,
 * and the argument after a credential flag (`--password X`, `-p X`) masked whatever it is. One function, so the
 * report and the log header never disagree.
 */
export function maskCommand(command: readonly string[], secrets: readonly string[] = []): string[] {
  return command.map((a, i) =>
    i > 0 && isSecretFlag(command[i - 1]!) && !isPortAfterP(command[i - 1]!, a) ? MASK : maskText(a, secrets),
  );
}

/** Values of inherited environment variables named like secrets (ARM_CLIENT_SECRET, TF_VAR_db_password). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && isSecretKey(k))
    .map(([, v]) => v!);
}

/** Credentials of a kubeconfig (YAML or JSON text): client keys, tokens, passwords, auth-provider and exec-plugin secrets. */
export function kubeconfigSecrets(text: string): string[] {
  const out: string[] = [];
  try {
    const doc = parseYaml(text) as { users?: unknown[] } | null;
    if (doc && Array.isArray(doc.users)) out.push(...kubeconfigUserSecrets(doc.users));
  } catch {
    // not YAML: the line scan below still finds the usual fields
  }
  const re = /["']?(client-key-data|token|password|client-secret)["']?\s*:\s*["']?([^\s"',}]+)/g;
  for (const m of text.matchAll(re)) out.push(m[2]!);
  return out;
}
