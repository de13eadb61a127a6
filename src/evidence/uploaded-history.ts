/**
 * Drill history from the evidence container. Nightly drills run on throwaway CI runners whose report dir starts
 * empty, so the uploaded copies are the only complete history: `report history --container` lists them, and a
 * drill that uploads chains its report to the previous uploaded one when the local dir has none.
 * Only report.json of each folder is read (a few kB each).
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { parseReportFolderName } from '../report/folder.js';
import { historyOf, summariseReport, type DrillSummary, type History, type HistoryOptions } from '../report/history.js';
import type { PreviousReport } from '../report/seal.js';
import { storageError } from '../velero/storage/storage-errors.js';
import { containerLocation, uploadedScenarioPrefix } from './upload.js';
import { downloadBlobCapped } from './capped-blob.js';
import { READ_LIMITS } from '../util/capped-read.js';
import { verifyUploadedReport } from './verify-uploaded.js';
import type { VerifyFolderOptions } from './verify-folder.js';

/** One uploaded drill folder: where it is and the blob name of its report.json when it has one. */
interface UploadedFolder {
  scenario: string;
  folderName: string;
  /** `<prefix>/<scenario>/<folder>/` */
  blobPrefix: string;
  hasReport: boolean;
}

/** The uploaded drill folders under prefix (one scenario, or all), oldest first within a scenario. */
async function uploadedFolders(
  container: ContainerClient,
  prefix: string | null,
  scenario?: string,
): Promise<UploadedFolder[]> {
  const root = prefix ? `${prefix}/` : '';
  const listFrom = scenario === undefined ? root : uploadedScenarioPrefix(prefix, scenario);
  const found = new Map<string, UploadedFolder>();
  try {
    for await (const b of container.listBlobsFlat({ prefix: listFrom })) {
      const [scen, folderName, file, ...rest] = b.name.slice(root.length).split('/');
      if (!scen || !folderName || !file || rest.length || !parseReportFolderName(folderName)) continue;
      const key = `${scen}/${folderName}`;
      const f = found.get(key) ?? { scenario: scen, folderName, blobPrefix: `${root}${key}/`, hasReport: false };
      if (file === 'report.json') f.hasReport = true;
      found.set(key, f);
    }
  } catch (e) {
    throw storageError(e, `${containerLocation(container)}/${listFrom}`);
  }
  return [...found.values()].sort((a, b) => (a.blobPrefix < b.blobPrefix ? -1 : 1));
}

/** A report.json above the read-back ceiling: listed with this problem, never read. */
class ReportTooLarge extends Error {
  constructor(size: number) {
    super(`report.json: larger than ${READ_LIMITS.reportJson >> 20} MiB (${size} bytes): not read`);
  }
}

async function reportBytes(container: ContainerClient, f: UploadedFolder): Promise<Buffer | null> {
  if (!f.hasReport) return null;
  try {
    const got = await downloadBlobCapped(container.getBlobClient(`${f.blobPrefix}report.json`), READ_LIMITS.reportJson);
    if (!got.ok) throw new ReportTooLarge(got.size);
    return got.bytes;
  } catch (e) {
    if (e instanceof ReportTooLarge) throw e;
    throw storageError(e, `${containerLocation(container)}/${f.blobPrefix}report.json`);
  }
}

/** History of the uploaded drills: the same listing, last verified restore and RTO trend as a local report dir. */
export async function readUploadedHistory(
  container: ContainerClient,
  prefix: string | null,
  options: UploadedHistoryOptions = {},
): Promise<History> {
  const where = containerLocation(container);
  const drills: DrillSummary[] = [];
  for (const f of await uploadedFolders(container, prefix, options.scenario)) {
    // --since can skip the download: the folder name carries the drill's start.
    if (options.since && parseReportFolderName(f.folderName)!.startedAt < options.since) continue;
    const folder = `${where}/${f.blobPrefix.replace(/\/$/, '')}`;
    const bytes = await reportBytes(container, f).catch((e: unknown) => {
      if (e instanceof ReportTooLarge) return e;
      throw e;
    });
    const d =
      bytes instanceof ReportTooLarge
        ? { ...summariseReport(f.scenario, f.folderName, folder, null), problem: bytes.message }
        : summariseReport(f.scenario, f.folderName, folder, bytes);
    drills.push(d.problem || !options.verify ? d : await withUploadedEvidence(container, prefix, f, d, options));
  }
  const { verify: _keys, ...historyOptions } = options;
  return historyOf(`${where}${prefix ? `/${prefix}` : ''}`, drills, historyOptions);
}

/** History options for uploaded drills: `verify` gives the keys report verify --container checks each drill with. */
export type UploadedHistoryOptions = Omit<HistoryOptions, 'verify'> & { verify?: VerifyFolderOptions };

/** What report verify --container proves of one uploaded drill (each folder is downloaded and checked). */
async function withUploadedEvidence(
  container: ContainerClient,
  prefix: string | null,
  f: UploadedFolder,
  d: DrillSummary,
  options: UploadedHistoryOptions,
): Promise<DrillSummary> {
  const v = await verifyUploadedReport(container, `${f.scenario}/${f.folderName}`, {
    prefix,
    publicKey: options.verify?.publicKey ?? null,
    trust: options.verify?.trust ?? null,
  });
  return { ...d, evidence: v.status, evidenceProblems: v.problems.slice(0, 3).map((p) => `${p.file}: ${p.message}`) };
}

/** The newest uploaded drill of the scenario before `beforeFolderName` that has a report.json, for the chain. */
export async function findPreviousUploaded(
  container: ContainerClient,
  prefix: string | null,
  scenario: string,
  beforeFolderName: string,
): Promise<PreviousReport | null> {
  const folders = (await uploadedFolders(container, prefix, scenario)).filter(
    (f) => f.scenario === scenario && f.folderName < beforeFolderName && f.hasReport,
  );
  const last = folders.at(-1);
  if (!last) return null;
  const bytes = (await reportBytes(container, last))!;
  let drillId = parseReportFolderName(last.folderName)!.drillId;
  try {
    const id = (JSON.parse(bytes.toString('utf8')) as { drillId?: unknown }).drillId;
    if (typeof id === 'string') drillId = id;
  } catch {
    // The folder name's id stands; the chain check names an unreadable report.
  }
  return {
    folder: `${containerLocation(container)}/${last.blobPrefix.replace(/\/$/, '')}`,
    drillId,
    reportSha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
