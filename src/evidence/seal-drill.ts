/**
 * Sealing a drill's evidence, in two steps around the seal phase: first the chain (the previous report of the
 * scenario, from the report dir or the evidence container) and the signing key's public half, then — once the
 * report is final — the folder written with SHA256SUMS, its signature, and the upload.
 */
import { basename } from 'node:path';
import { describeWithCode } from '../util/errors.js';
import type { StoragePlan, UploadPlan } from '../plan/types.js';
import type { Report } from '../report/schema.js';
import { findPreviousReport, writeReportFolder, type PreviousReport } from '../report/seal.js';
import { preparePublicKey, signSums, type Signer } from './signing.js';
import { containerFor, uploadEvidence, type UploadOutcome } from './upload.js';
import { findPreviousUploaded } from './uploaded-history.js';

/** The report's evidence block, and what a reader should know about how it was found. */
export async function chainEvidence(input: {
  reportDir: string;
  scenario: string;
  folder: string;
  upload: UploadPlan | null;
  signer: Signer | null;
  onInfo(message: string): void;
}): Promise<{ evidence: Omit<Report['evidence'], 'ranBy' | 'trend'>; warnings: string[] }> {
  const warnings: string[] = [];
  const local = findPreviousReport(input.reportDir, input.scenario, input.folder);
  const prev = local ?? (await previousUploaded(input, warnings));
  return {
    evidence: {
      previousReportSha256: prev?.reportSha256 ?? null,
      previousDrillId: prev?.drillId ?? null,
      previousFrom: prev ? (local ? 'report-dir' : 'evidence-container') : null,
      // Said in the sealed (and signed) report, so verify --chain tells a chain start from a cut link.
      chainStart: prev ? null : { reason: chainStartReason(input, warnings) },
      // Stated before sealing, so the signed report says what the uploaded copy's policy must be.
      immutability: input.upload
        ? {
            container: input.upload.container,
            prefix: input.upload.prefix,
            policyMode: input.upload.immutabilityMode,
            periodSeconds: Math.ceil(input.upload.immutableForMs / 1000),
          }
        : null,
      // The public key is in the folder before SHA256SUMS is written, so the sums cover it; the .sig comes after.
      signedBy: input.signer ? preparePublicKey(input.folder, input.signer) : null,
    },
    warnings,
  };
}

function chainStartReason(
  input: { reportDir: string; scenario: string; upload: UploadPlan | null },
  warnings: string[],
): string {
  const here = `no earlier sealed drill of ${input.scenario} in ${input.reportDir}`;
  if (!input.upload) return `${here}, and the drill uploads no evidence`;
  const where = `${input.upload.container}${input.upload.prefix ? `/${input.upload.prefix}` : ''}`;
  return warnings.length
    ? `${here}, and the evidence container ${where} could not be read`
    : `${here} nor in the evidence container ${where}`;
}

/** Writes the final report folder (SHA256SUMS last), signs it, and uploads it when the plan says so. */
export async function sealFolder(
  folder: string,
  report: Report,
  opts: {
    html?: (r: Report) => string;
    signer: Signer | null;
    upload: UploadPlan | null;
    storage: StoragePlan | null;
    now: Date;
  },
): Promise<{ report: Report; upload: UploadOutcome | null }> {
  const sealed = writeReportFolder(folder, report, { html: opts.html });
  if (opts.signer) signSums(folder, opts.signer);
  const upload = opts.upload ? await uploadEvidence(folder, sealed.report, opts.upload, opts.storage, opts.now) : null;
  return { report: sealed.report, upload };
}

/**
 * A CI runner starts with an empty report dir: when the drill uploads its evidence, the previous drill of the chain
 * is the newest uploaded one. A storage problem here costs only the link, never the drill.
 */
async function previousUploaded(
  input: { scenario: string; folder: string; upload: UploadPlan | null; onInfo(message: string): void },
  warnings: string[],
): Promise<PreviousReport | null> {
  const up = input.upload;
  if (!up) return null;
  try {
    const prev = await findPreviousUploaded(
      containerFor(up.auth, up.container),
      up.prefix,
      input.scenario,
      basename(input.folder),
    );
    if (prev)
      input.onInfo(`previous drill ${prev.drillId} of the chain found in the evidence container: ${prev.folder}`);
    return prev;
  } catch (e) {
    warnings.push(
      `the previous uploaded report could not be read, so this report starts a new chain: ${describeWithCode(e)}`,
    );
    return null;
  }
}
