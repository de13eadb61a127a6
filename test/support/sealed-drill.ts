/**
 * Drill folders sealed the way run-drill seals them (journal with its final entry, public key, report files,
 * SHA256SUMS, signature), for evidence tests that forge, chain and prune them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preparePublicKey, publicKeyFingerprint, signSums, type Signer } from '../../src/evidence/signing.js';
import { formatSums, sha256File, SUMS_FILE } from '../../src/report/checksums.js';
import { reportFolder } from '../../src/report/folder.js';
import { Journal } from '../../src/report/journal.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import type { Report } from '../../src/report/schema.js';
import { ManualClock } from '../../src/util/clock.js';
import { aReport } from './report-builder.js';

/** A fresh Ed25519 signer. */
export function aSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    record: {
      algorithm: 'ed25519',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeySha256: publicKeyFingerprint(publicKey),
    },
  };
}

/** Seals a drill of `scenario` in `dir`, chained to the newest sealed one there (or recording a chain start). */
export function sealedDrill(
  dir: string,
  scenario: string,
  startedAt: string,
  drillId: string,
  signer: Signer | null,
  tune: (r: Report) => void = () => {},
): string {
  const folder = reportFolder(dir, scenario, new Date(startedAt), drillId);
  const prev = findPreviousReport(dir, scenario, folder);
  const report = aReport().scenario(scenario).drillId(drillId).startedAt(startedAt).build();
  report.evidence = {
    previousReportSha256: prev?.reportSha256 ?? null,
    previousDrillId: prev?.drillId ?? null,
    previousFrom: prev ? 'report-dir' : null,
    chainStart: prev ? null : { reason: `no earlier sealed drill of ${scenario} in ${dir}` },
    signedBy: signer ? preparePublicKey(folder, signer) : null,
    ranBy: null,
    trend: null,
  };
  tune(report);
  const j = new Journal(folder, new ManualClock(), { fsync: false });
  j.append('report-sealed', {
    drillId,
    verdict: report.verdict,
    rtoAchievedSeconds: report.rto.achievedSeconds,
    rpoAchievedSeconds: report.rpo.achievedSeconds,
    previousDrillId: report.evidence.previousDrillId,
    previousReportSha256: report.evidence.previousReportSha256,
  });
  j.close();
  writeReportFolder(folder, report);
  if (signer) signSums(folder, signer);
  return folder;
}

/**
 * What a capable forger does: rewrite report.json, render everything again, rewrite the journal's final entry,
 * recompute SHA256SUMS and sign with a key of their own (or none). Nothing inside the folder disagrees afterwards.
 */
export function rewriteDrill(folder: string, edit: (r: Report) => void, signer: Signer | null): void {
  const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report;
  edit(report);
  report.evidence.signedBy = signer ? preparePublicKey(folder, signer) : null;
  const journal = readFileSync(join(folder, 'journal.jsonl'), 'utf8').trim().split('\n');
  const last = JSON.parse(journal.pop()!) as Record<string, unknown>;
  journal.push(
    JSON.stringify({
      ...last,
      verdict: report.verdict,
      previousDrillId: report.evidence.previousDrillId,
      previousReportSha256: report.evidence.previousReportSha256,
    }),
  );
  writeFileSync(join(folder, 'journal.jsonl'), journal.join('\n') + '\n');
  for (const f of readdirSync(folder))
    if (f === 'SHA256SUMS.sig' || (!signer && f === 'signing-key.pub.pem')) rmSync(join(folder, f));
  writeReportFolder(folder, report);
  if (signer) signSums(folder, signer);
}

/** Recomputes SHA256SUMS over the folder as it is (a naive forger: nothing re-rendered). */
export function resum(folder: string): void {
  const sums: Record<string, string> = {};
  for (const f of readdirSync(folder))
    if (f !== SUMS_FILE && f !== 'SHA256SUMS.sig') sums[f] = sha256File(join(folder, f));
  writeFileSync(join(folder, SUMS_FILE), formatSums(sums));
}
