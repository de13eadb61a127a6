/**
 * Ed25519 signing of a report folder. What is signed is SHA256SUMS, which already hashes every other file, so
 * one signature covers the whole folder. Order (run --sign-key):
 *   1. before sealing: the public key goes into report.json (evidence.signedBy) and `signing-key.pub.pem`;
 *   2. sealing writes SHA256SUMS over every file, those two included;
 *   3. `SHA256SUMS.sig` (base64 signature over SHA256SUMS's bytes) is written last. It cannot be listed in the
 *      file it signs, so it is the one file besides SHA256SUMS itself that SHA256SUMS does not cover.
 * A self-consistent folder proves integrity, not authorship: anyone may re-sign with a key of their own. Who
 * signed is proven by `report verify --public-key <trusted key>`, which compares the key fingerprint.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../util/errors.js';
import { SUMS_FILE } from '../report/checksums.js';
import { reportModes } from '../report/file-mode.js';

/** The detached signature over SHA256SUMS, base64 (fixed name). */
export const SIGNATURE_FILE = `${SUMS_FILE}.sig`;
/** The signer's public key, SPKI PEM, listed in SHA256SUMS. */
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

/** What report.json records about the signature (evidence.signedBy). */
export interface SignatureRecord {
  algorithm: 'ed25519';
  publicKeyPem: string;
  publicKeySha256: string;
}

/** A loaded Ed25519 private key and its public half. */
export interface Signer {
  readonly privateKey: KeyObject;
  readonly record: SignatureRecord;
}

/** SHA-256 (hex) of a public key's SPKI DER encoding: the key's fingerprint. */
export function publicKeyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function recordOf(publicKey: KeyObject): SignatureRecord {
  return {
    algorithm: 'ed25519',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeySha256: publicKeyFingerprint(publicKey),
  };
}

/**
 * Reads an Ed25519 private key (PEM, PKCS#8, as `openssl genpkey -algorithm ed25519` writes it). Bad files are
 * input errors (exit 2) before any drill starts; the key material never appears in a message.
 */
export function loadSigningKey(file: string): Signer {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError(
      'SIGN_KEY_UNREADABLE',
      `cannot read --sign-key ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      'pass the path of an Ed25519 private key in PEM',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw inputError(
      'SIGN_KEY_INVALID',
      `--sign-key ${file} is not a PEM private key`,
      'create one with: openssl genpkey -algorithm ed25519 -out drill-signing.pem',
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw inputError(
      'SIGN_KEY_NOT_ED25519',
      `--sign-key ${file} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`,
      'create one with: openssl genpkey -algorithm ed25519 -out drill-signing.pem',
    );
  }
  return { privateKey, record: recordOf(createPublicKey(privateKey)) };
}

/** Reads a public key (SPKI PEM, or a private key PEM whose public half is meant) for `report verify --public-key`. */
export function loadPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError(
      'PUBLIC_KEY_UNREADABLE',
      `cannot read --public-key ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      "pass the signer's public key in PEM (signing-key.pub.pem of a trusted drill)",
    );
  }
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch {
    throw inputError(
      'PUBLIC_KEY_INVALID',
      `--public-key ${file} is not an Ed25519 public key in PEM`,
      'derive it with: openssl pkey -in drill-signing.pem -pubout -out drill-signing.pub.pem',
    );
  }
}

/** Step 1, before sealing: writes signing-key.pub.pem and returns what goes into report.evidence.signedBy. */
export function preparePublicKey(folder: string, signer: Signer): SignatureRecord {
  writeFileSync(join(folder, PUBLIC_KEY_FILE), signer.record.publicKeyPem, { mode: reportModes().file });
  return { ...signer.record };
}

/** Step 3, after sealing: signs SHA256SUMS and writes SHA256SUMS.sig. Returns its path. */
export function signSums(folder: string, signer: Signer): string {
  const sums = readFileSync(join(folder, SUMS_FILE));
  const path = join(folder, SIGNATURE_FILE);
  // Ed25519 hashes internally: the algorithm argument must be null.
  writeFileSync(path, sign(null, sums, signer.privateKey).toString('base64') + '\n', { mode: reportModes().file });
  return path;
}

/** The keys an auditor trusts, by SPKI SHA-256 fingerprint, and where they came from (for the output). */
export interface TrustPolicy {
  fingerprints: Set<string>;
  /** e.g. `--trusted-keys ci-keys.txt`. */
  source: string;
  /** Fail (exit 1) unsigned folders and signatures by keys outside `fingerprints`. */
  require: boolean;
}

/** One problem found with a folder's signature; `file` names the file at fault. */
export interface SignatureProblem {
  file: string;
  message: string;
}

/** What checkSignature found. */
export interface SignatureCheck {
  /** The folder carries a signature (or claims to). */
  signed: boolean;
  /** The signature verifies with a key from the trust policy (from outside the folder): who signed is proven. */
  authenticated: boolean;
  problems: SignatureProblem[];
  notes: string[];
}

/**
 * Checks SHA256SUMS.sig against the key recorded in report.json (`recorded`, already parsed) and decides whether
 * it is authenticated: only a key of the trust policy (given from outside the folder) makes it so. A key recorded
 * in the report proves integrity since signing, never authorship.
 */
export function checkSignature(
  folder: string,
  recorded: SignatureRecord | null | undefined,
  trust: TrustPolicy | null,
): SignatureCheck {
  const problems: SignatureProblem[] = [];
  const notes: string[] = [];
  const sigPath = join(folder, SIGNATURE_FILE);
  const hasSig = existsSync(sigPath);
  const done = (signed: boolean, authenticated = false): SignatureCheck => ({ signed, authenticated, problems, notes });
  if (!recorded && !hasSig) {
    if (trust?.require)
      problems.push({
        file: SIGNATURE_FILE,
        message: `missing: the report is not signed, and a signature by a trusted key is required (${trust.source})`,
      });
    else notes.push('not signed (run --sign-key signs SHA256SUMS): nothing proves who wrote this folder');
    return done(false);
  }
  if (!recorded) {
    problems.push({
      file: SIGNATURE_FILE,
      message: 'present, but report.json records no signing key (evidence.signedBy is null): added after sealing',
    });
    return done(true);
  }
  if (!hasSig) {
    problems.push({
      file: SIGNATURE_FILE,
      message: 'missing: report.json says the folder was signed (evidence.signedBy), but the signature file is gone',
    });
    return done(true);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(recorded.publicKeyPem);
  } catch {
    problems.push({ file: 'report.json', message: 'evidence.signedBy.publicKeyPem is not a public key' });
    return done(true);
  }
  const fingerprint = publicKeyFingerprint(key);
  if (fingerprint !== recorded.publicKeySha256) {
    problems.push({
      file: 'report.json',
      message: `evidence.signedBy.publicKeySha256 ${recorded.publicKeySha256} is not the SHA-256 of publicKeyPem (${fingerprint})`,
    });
  }
  const pubPath = join(folder, PUBLIC_KEY_FILE);
  if (existsSync(pubPath)) {
    try {
      if (publicKeyFingerprint(createPublicKey(readFileSync(pubPath, 'utf8'))) !== fingerprint) {
        problems.push({ file: PUBLIC_KEY_FILE, message: 'is not the key recorded in report.json (evidence.signedBy)' });
      }
    } catch {
      problems.push({ file: PUBLIC_KEY_FILE, message: 'is not a public key in PEM' });
    }
  }
  const trusted = trust !== null && trust.fingerprints.has(fingerprint);
  if (trust && !trusted && trust.require) {
    problems.push({
      file: SIGNATURE_FILE,
      message: `signed with key sha256:${fingerprint}, which is not a trusted key (${trust.source}): anyone can re-sign a folder with a key of their own`,
    });
    return done(true);
  }
  const sumsPath = join(folder, SUMS_FILE);
  if (!existsSync(sumsPath)) return done(true); // the checksum check already reports it
  const signature = Buffer.from(readFileSync(sigPath, 'utf8').trim(), 'base64');
  let ok = false;
  try {
    ok = verify(null, readFileSync(sumsPath), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    problems.push({
      file: SIGNATURE_FILE,
      message: `does not verify over ${SUMS_FILE} with key sha256:${fingerprint}: ${SUMS_FILE} changed after signing, or the signature was replaced`,
    });
    return done(true);
  }
  if (trusted) {
    notes.push(`signature over ${SUMS_FILE} verified with trusted key sha256:${fingerprint} (${trust.source})`);
    return done(true, true);
  }
  notes.push(
    trust
      ? `signature over ${SUMS_FILE} verifies with key sha256:${fingerprint}, which is NOT a trusted key (${trust.source}): not authenticated`
      : `signature over ${SUMS_FILE} verifies with key sha256:${fingerprint} recorded in the report itself: not authenticated (anyone can re-sign; pass --public-key, --trusted-keys or DR_DRILL_TRUSTED_KEYS)`,
  );
  return done(true);
}
