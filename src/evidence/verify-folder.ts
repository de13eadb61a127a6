/**
 * `report verify`: is this folder the evidence it claims to be? Checks SHA256SUMS, the Ed25519 signature over
 * it (SHA256SUMS.sig, when signed), the report's schema and the chain link to the previous drill of the same
 * scenario. Every problem names the file or link at fault.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { inputError } from '../util/errors.js';
import { formatBytes, READ_LIMITS, readCapped } from '../util/capped-read.js';
import { parseSums, sha256File, SUMS_FILE } from '../report/checksums.js';
import { parseReportFolderName } from '../report/folder.js';
import { drillFolders, scenarioDirOf } from '../report/seal.js';
import { validateReport } from '../report/validate-report.js';
import {
  checkSignature,
  publicKeyFingerprint,
  SIGNATURE_FILE,
  type SignatureRecord,
  type TrustPolicy,
} from './signing.js';
import { PRUNE_FILE, readPruneRecord } from './prune-record.js';
import { crossCheck } from '../report/cross-checks.js';
import type { Report } from '../report/schema.js';
import type { KeyObject } from 'node:crypto';

/** One thing wrong with a report folder. */
export interface VerifyProblem {
  /** The file (`report.json`) or link (`evidence.previousReportSha256`) that is wrong. */
  file: string;
  message: string;
}

/**
 * What was proven: `verified` (intact since sealing AND signed by a key the auditor trusts), `self-consistent`
 * (intact as far as the folder itself can tell: anyone able to write the folder could have rewritten it whole),
 * `broken` (a problem was found).
 */
export type VerifyStatus = 'verified' | 'self-consistent' | 'broken';

/** The outcome of verifying one report folder. */
export interface VerifyResult {
  folder: string;
  ok: boolean;
  status: VerifyStatus;
  /** Signed by a trusted key given from outside the folder. */
  authenticated: boolean;
  /** What the status rests on, in words. */
  assumption: string;
  problems: VerifyProblem[];
  /** Things worth knowing that are not wrong (e.g. the first drill of a scenario has no chain link). */
  notes: string[];
  /** Files whose checksum matched. */
  verifiedFiles: string[];
}

/** Options for verifyReportFolder. */
export interface VerifyFolderOptions {
  /** Require a signature by this key (`--public-key`). Shorthand for a trust policy of one key, required. */
  publicKey?: KeyObject | null;
  /** The keys trusted from outside the folder (`--trusted-keys`, DR_DRILL_TRUSTED_KEYS), and whether one is required. */
  trust?: TrustPolicy | null;
}

/** Verifies a report folder; throws an input DrillError (exit 2) when it does not exist. */
export function verifyReportFolder(dir: string, opts: VerifyFolderOptions = {}): VerifyResult {
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw inputError(
      'REPORT_DIR_NOT_FOUND',
      `no report folder at ${dir}`,
      'pass a folder such as reports/<scenario>/<YYYYMMDDTHHMMSSZ>-<drillId>',
    );
  }
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const verifiedFiles = checkSums(folder, problems);
  const report = checkReport(folder, problems);
  if (report) checkChain(folder, report, problems, notes, policyOf(opts));
  if (report && validateReport(report).length === 0) {
    const cross = crossCheck(folder, report as unknown as Report);
    problems.push(...cross.problems);
    notes.push(...cross.notes);
  }
  // A report whose own fields are unreadable still gets its signature file judged (as unaccounted for).
  const sig = checkSignature(folder, report?.evidence.signedBy, policyOf(opts));
  problems.push(...sig.problems);
  notes.push(...sig.notes);
  const ok = problems.length === 0;
  const status: VerifyStatus = !ok ? 'broken' : sig.authenticated ? 'verified' : 'self-consistent';
  return {
    folder,
    ok,
    status,
    authenticated: ok && sig.authenticated,
    assumption: assumptionOf(status),
    problems,
    notes,
    verifiedFiles,
  };
}

function policyOf(opts: VerifyFolderOptions): TrustPolicy | null {
  if (!opts.publicKey) return opts.trust ?? null;
  const fingerprints = new Set(opts.trust?.fingerprints ?? []);
  fingerprints.add(publicKeyFingerprint(opts.publicKey));
  return { fingerprints, source: opts.trust?.source ?? '--public-key', require: true };
}

/** What a check outside the folder found (an uploaded copy's blob metadata and policies). */
export interface OutsideFindings {
  problems: VerifyProblem[];
  notes: string[];
}

/** A folder's result with what was found outside it added: any such problem makes the folder broken. */
export function withUploadedChecks(r: VerifyResult, found: OutsideFindings): VerifyResult {
  r.problems.push(...found.problems);
  r.notes.push(...found.notes);
  if (r.problems.length)
    Object.assign(r, { ok: false, status: 'broken', authenticated: false, assumption: assumptionOf('broken') });
  return r;
}

/** The assumption each status rests on, said once so that text and JSON output agree. */
export function assumptionOf(status: VerifyStatus): string {
  switch (status) {
    case 'verified':
      return 'unchanged since it was signed by a key you trust; holds as long as that private key was only on the runner that ran the drill';
    case 'self-consistent':
      return 'the files agree with each other and with SHA256SUMS; this proves nothing against someone who could write the folder (they can recompute and re-sign everything): pass a trusted key to authenticate';
    case 'broken':
      return 'the folder is not the evidence it claims to be (see the problems)';
  }
}

function checkSums(folder: string, problems: VerifyProblem[]): string[] {
  const sumsPath = join(folder, SUMS_FILE);
  if (!existsSync(sumsPath)) {
    problems.push({ file: SUMS_FILE, message: 'missing: the folder was never sealed, or the file was removed' });
    return [];
  }
  const sums = readCapped(sumsPath, READ_LIMITS.sums);
  if (!sums.ok) {
    problems.push({
      file: SUMS_FILE,
      message: `larger than ${formatBytes(READ_LIMITS.sums)}: not a file dr-drill wrote`,
    });
    return [];
  }
  const { entries, badLines } = parseSums(sums.bytes.toString('utf8'));
  for (const n of badLines) problems.push({ file: SUMS_FILE, message: `line ${n} is not "<sha256>  <file>"` });
  const verified: string[] = [];
  const listed = new Set<string>();
  for (const { file, sha256 } of entries) {
    listed.add(file);
    // Entries are plain names in this folder; anything else would let a sums file vouch for files elsewhere.
    if (file !== basename(file) || file === '.' || file === '..') {
      problems.push({ file: SUMS_FILE, message: `lists "${file}", which is not a file of this folder` });
      continue;
    }
    const path = join(folder, file);
    if (!existsSync(path) || !statSync(path).isFile())
      problems.push({ file, message: 'listed in SHA256SUMS but missing' });
    else if (sha256File(path) !== sha256)
      problems.push({ file, message: 'SHA-256 does not match SHA256SUMS: the file changed after sealing' });
    else verified.push(file);
  }
  for (const name of readdirSync(folder).sort()) {
    // The signature is written after SHA256SUMS and cannot be listed in it; checkSignature accounts for it.
    if (name !== SUMS_FILE && name !== SIGNATURE_FILE && !listed.has(name))
      problems.push({ file: name, message: 'present but not listed in SHA256SUMS: added after sealing' });
  }
  return verified;
}

interface ChainFields {
  drillId: string;
  evidence: {
    previousReportSha256: string | null;
    previousDrillId: string | null;
    previousFrom?: string | null;
    signedBy?: SignatureRecord | null;
    chainStart?: { reason: string } | null;
  };
}

function checkReport(folder: string, problems: VerifyProblem[]): ChainFields | null {
  const path = join(folder, 'report.json');
  if (!existsSync(path)) {
    problems.push({ file: 'report.json', message: 'missing' });
    return null;
  }
  const read = readCapped(path, READ_LIMITS.reportJson);
  if (!read.ok) {
    problems.push({ file: 'report.json', message: `larger than ${formatBytes(READ_LIMITS.reportJson)}: not read` });
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(read.bytes.toString('utf8'));
  } catch (e) {
    problems.push({ file: 'report.json', message: `not JSON: ${(e as Error).message}` });
    return null;
  }
  const invalid = validateReport(value);
  for (const p of invalid) problems.push({ file: 'report.json', message: `schema: ${p}` });
  const v = value as Partial<ChainFields>;
  // The chain can still be followed when the rest of the report is off, as long as its own fields are sound.
  if (typeof v.drillId !== 'string' || !v.evidence || typeof v.evidence !== 'object') return null;
  return v as ChainFields;
}

function checkChain(
  folder: string,
  report: ChainFields,
  problems: VerifyProblem[],
  notes: string[],
  trust: TrustPolicy | null,
): void {
  const own = parseReportFolderName(basename(folder));
  const { previousReportSha256: sha, previousDrillId: prevId } = report.evidence;
  if (!sha && !prevId) {
    // A "first drill" claim is checked: older sealed drills beside it mean the link was cut.
    const older = own
      ? drillFolders(scenarioDirOf(folder)).filter(
          (n) => n < basename(folder) && existsSync(join(scenarioDirOf(folder), n, 'report.json')),
        )
      : [];
    const start = report.evidence.chainStart;
    if (start && older.length)
      notes.push(
        `starts a new chain (recorded at sealing: ${start.reason}) although ${older.length} older sealed drill(s) are beside it: they were sealed where this drill could not see them`,
      );
    else if (start) notes.push(`starts the chain of its scenario (recorded at sealing: ${start.reason})`);
    else if (older.length)
      problems.push({
        file: 'evidence.previousDrillId',
        message: `is null (claims to be the first drill of its scenario), but ${older.length} older sealed drill(s) are beside it (${older.at(-1)}): the link was removed`,
      });
    else notes.push('no previous drill linked: this is the first sealed drill of its scenario in this report dir');
    return;
  }
  if (!sha || !prevId) {
    problems.push({ file: 'evidence', message: 'previousReportSha256 and previousDrillId must be set together' });
    return;
  }
  const scenarioDir = scenarioDirOf(folder);
  const prev = drillFolders(scenarioDir).find((n) => parseReportFolderName(n)?.drillId === prevId);
  if (!prev && report.evidence.previousFrom === 'evidence-container') {
    notes.push(
      `the previous drill ${prevId} was linked from the evidence container, not this report dir: verify the uploaded copy (report verify --container …) to check that link`,
    );
    return;
  }
  const pruned = prev ? null : readPruneRecord(scenarioDir, trust, null);
  const entry = pruned?.record?.drills.find((d) => d.drillId === prevId);
  if (pruned && entry) {
    if (entry.reportSha256 === sha)
      notes.push(`the previous drill ${prevId} was pruned ${entry.prunedAt} (${pruned.describe})`);
    else
      problems.push({
        file: 'evidence.previousReportSha256',
        message: `the prune record lists the previous drill ${prevId} with another report.json SHA-256: the link or ${PRUNE_FILE} was changed`,
      });
    return;
  }
  if (!prev) {
    problems.push({
      file: 'evidence.previousDrillId',
      message: `the previous drill ${prevId} has no folder in ${scenarioDir} and no prune record: it was removed or moved`,
    });
    return;
  }
  const prevJson = join(scenarioDir, prev, 'report.json');
  if (!existsSync(prevJson)) {
    problems.push({ file: 'evidence.previousReportSha256', message: `${prev}/report.json is missing` });
  } else if (sha256File(prevJson) !== sha) {
    problems.push({
      file: 'evidence.previousReportSha256',
      message: `does not match ${prev}/report.json: the previous report changed after this one was sealed`,
    });
  } else {
    notes.push(`chained to ${prev} (report.json SHA-256 matches)`);
  }
}
