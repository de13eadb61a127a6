/**
 * A prune record: retention may remove a scenario's oldest drill folders, and the next drill's link then points
 * at nothing. `report prune` writes `<scenario>/chain-prune.json` — which drills went, with their report.json
 * SHA-256, and when — signed like a drill folder (Ed25519, `chain-prune.json.sig`), so verify can tell a pruned
 * link from a missing one. Only a signature by a trusted key makes the record authenticated.
 */
import { createPublicKey, sign, verify as verifySig } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256File } from '../report/checksums.js';
import { parseReportFolderName } from '../report/folder.js';
import { drillFolders } from '../report/seal.js';
import { reportModes } from '../report/file-mode.js';
import { publicKeyFingerprint, type SignatureRecord, type Signer, type TrustPolicy } from './signing.js';
import type { KeyObject } from 'node:crypto';

export const PRUNE_FILE = 'chain-prune.json';
export const PRUNE_SIGNATURE_FILE = `${PRUNE_FILE}.sig`;

/** The drills retention removed from a scenario folder. */
export interface PruneRecord {
  kind: 'dr-drill/chain-prune';
  scenario: string;
  /** When the newest entry was added (UTC ISO). */
  prunedAt: string;
  drills: Array<{ folder: string; drillId: string; reportSha256: string; prunedAt: string }>;
  signedBy: SignatureRecord | null;
}

/** What verify makes of a scenario folder's prune record. */
export interface PruneCheck {
  file: string;
  record: PruneRecord | null;
  problems: string[];
  notes: string[];
  /** No record, or one signed by a trusted key. */
  authenticatedOrAbsent: boolean;
  /** For notes: "signed prune record, trusted key sha256:…" or "unsigned prune record". */
  describe: string;
}

/** Reads and checks `<scenarioDir>/chain-prune.json`; an absent record is no problem. */
export function readPruneRecord(
  scenarioDir: string,
  trust: TrustPolicy | null,
  publicKey: KeyObject | null,
): PruneCheck {
  const check: PruneCheck = {
    file: PRUNE_FILE,
    record: null,
    problems: [],
    notes: [],
    authenticatedOrAbsent: true,
    describe: 'no prune record',
  };
  const path = join(scenarioDir, PRUNE_FILE);
  if (!existsSync(path)) return check;
  const bytes = readFileSync(path);
  let record: PruneRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as PruneRecord;
    if (record.kind !== 'dr-drill/chain-prune' || !Array.isArray(record.drills)) throw new Error('not a prune record');
  } catch (e) {
    check.problems.push(`${PRUNE_FILE} is not a dr-drill prune record: ${(e as Error).message}`);
    check.authenticatedOrAbsent = false;
    return check;
  }
  check.record = record;
  const trusted = new Set(trust?.fingerprints ?? []);
  if (publicKey) trusted.add(publicKeyFingerprint(publicKey));
  const require = Boolean(trust?.require) || Boolean(publicKey);
  const sigPath = join(scenarioDir, PRUNE_SIGNATURE_FILE);
  check.authenticatedOrAbsent = false;
  if (!record.signedBy || !existsSync(sigPath)) {
    check.describe = 'unsigned prune record';
    if (require) check.problems.push(`${PRUNE_FILE} is not signed, and a signature by a trusted key is required`);
    else check.notes.push(`${PRUNE_FILE} lists ${record.drills.length} pruned drill(s) but is not signed`);
    return check;
  }
  let ok = false;
  let fingerprint = '';
  try {
    const key = createPublicKey(record.signedBy.publicKeyPem);
    fingerprint = publicKeyFingerprint(key);
    ok =
      fingerprint === record.signedBy.publicKeySha256 &&
      verifySig(null, bytes, key, Buffer.from(readFileSync(sigPath, 'utf8').trim(), 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) {
    check.problems.push(`${PRUNE_SIGNATURE_FILE} does not verify over ${PRUNE_FILE}: the record changed after signing`);
    return check;
  }
  if (trusted.has(fingerprint)) {
    check.authenticatedOrAbsent = true;
    check.describe = `signed prune record, trusted key sha256:${fingerprint}`;
  } else {
    check.describe = `prune record signed by key sha256:${fingerprint}, NOT a trusted key`;
    if (require)
      check.problems.push(`${PRUNE_FILE} is signed by key sha256:${fingerprint}, which is not a trusted key`);
  }
  check.notes.push(`${PRUNE_FILE}: ${record.drills.length} drill(s) pruned (${check.describe})`);
  return check;
}

/**
 * Adds removed drills to the scenario's prune record (creating it) and signs the file's bytes when a signer is
 * given (signedBy is inside them, so the key is bound too).
 */
export function appendPruneRecord(
  scenarioDir: string,
  scenario: string,
  removed: Array<{ folder: string; drillId: string; reportSha256: string }>,
  signer: Signer | null,
  now: Date,
): PruneRecord {
  const path = join(scenarioDir, PRUNE_FILE);
  const prior = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as PruneRecord) : null;
  const at = now.toISOString();
  const record: PruneRecord = {
    kind: 'dr-drill/chain-prune',
    scenario,
    prunedAt: at,
    drills: [...(prior?.drills ?? []), ...removed.map((d) => ({ ...d, prunedAt: at }))],
    signedBy: signer ? signer.record : null,
  };
  const mode = reportModes().file;
  writeFileSync(path, unsignedBytes(record), { mode });
  const sigPath = join(scenarioDir, PRUNE_SIGNATURE_FILE);
  if (signer)
    writeFileSync(sigPath, sign(null, unsignedBytes(record), signer.privateKey).toString('base64') + '\n', { mode });
  else rmSync(sigPath, { force: true }); // an old signature must not vouch for new text
  return record;
}

function unsignedBytes(record: PruneRecord): Buffer {
  return Buffer.from(JSON.stringify(record, null, 2) + '\n');
}

/**
 * Retention for a local scenario folder: removes the drill folders started before `before` (never the newest
 * sealed drill: the chain needs a head) and records them in the prune record, so the chain stays verifiable.
 */
export function pruneScenario(
  scenarioDir: string,
  before: Date,
  signer: Signer | null,
  now: Date,
): { removed: string[]; record: PruneRecord | null } {
  const names = drillFolders(scenarioDir);
  const sealed = names.filter((n) => existsSync(join(scenarioDir, n, 'report.json')));
  const head = sealed.at(-1);
  const old = names.filter((n) => n !== head && parseReportFolderName(n)!.startedAt < before);
  if (!old.length) return { removed: [], record: null };
  const entries = old
    .filter((n) => existsSync(join(scenarioDir, n, 'report.json')))
    .map((n) => ({
      folder: n,
      drillId: drillIdOf(join(scenarioDir, n, 'report.json'), n),
      reportSha256: sha256File(join(scenarioDir, n, 'report.json')),
    }));
  // The record is written before anything is removed: a prune cut short leaves a record naming drills still
  // present, never a removed drill without a record.
  const record = appendPruneRecord(scenarioDir, basename(scenarioDir), entries, signer, now);
  for (const n of old) rmSync(join(scenarioDir, n), { recursive: true, force: true });
  return { removed: old, record };
}

function drillIdOf(reportJson: string, folder: string): string {
  try {
    const id = (JSON.parse(readFileSync(reportJson, 'utf8')) as { drillId?: unknown }).drillId;
    if (typeof id === 'string') return id;
  } catch {
    // the folder name's id stands
  }
  return parseReportFolderName(folder)!.drillId;
}
