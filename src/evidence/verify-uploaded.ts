/**
 * `report verify --container …  <scenario>/<folder>`: the uploaded copy of a drill folder is downloaded to a
 * temporary directory and put through the same checks as a local folder (SHA256SUMS, signature, schema, chain).
 * For the chain, only the previous drill's report.json is fetched. The blob metadata is checked too: an
 * uploaded copy whose metadata disagrees with its report is reported, as it would mislead anyone who searches by it.
 */
import { downloadBlobCapped, UPLOADED_LIMITS, type BlobImmutability } from './capped-blob.js';
import { checkImmutability, type IntendedImmutability } from './immutability-check.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { inputError } from '../util/errors.js';
import { parseReportFolderName } from '../report/folder.js';
import { verifyReportFolder, withUploadedChecks, type VerifyProblem, type VerifyResult } from './verify-folder.js';
import { verifyChain, type ChainResult } from './chain.js';
import { PRUNE_FILE, PRUNE_SIGNATURE_FILE } from './prune-record.js';
import type { TrustPolicy } from './signing.js';
import { storageError } from '../velero/storage/storage-errors.js';
import { storageAuth, storageFlags } from '../plan/storage-plan.js';
import { containerFor, containerLocation, uploadedFolderPrefix, uploadedScenarioPrefix } from './upload.js';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Options for verifyUploadedReport. */
export interface VerifyUploadedOptions {
  prefix: string | null;
  publicKey?: KeyObject | null;
  trust?: TrustPolicy | null;
}

/** Downloads one blob into `path`, or returns why it was not (larger than the per-file ceiling). */
async function download(
  container: ContainerClient,
  key: string,
  path: string,
): Promise<{ metadata: Record<string, string>; immutability: BlobImmutability }> {
  const got = await downloadBlobCapped(container.getBlobClient(key), UPLOADED_LIMITS.file);
  if (!got.ok) throw new TooLarge(key, got.size);
  writeFileSync(path, got.bytes);
  return got;
}

class TooLarge extends Error {
  constructor(
    readonly key: string,
    readonly size: number,
  ) {
    super(`${key} is ${size} bytes`);
  }
}

/** Verifies an uploaded drill folder, `ref` = `<scenario>/<folder>`. Throws an input DrillError when it is not there. */
export async function verifyUploadedReport(
  container: ContainerClient,
  ref: string,
  opts: VerifyUploadedOptions,
): Promise<VerifyResult> {
  const [scenario, folderName, ...rest] = ref.replace(/^\/+|\/+$/g, '').split('/');
  if (!scenario || !folderName || rest.length || !SEGMENT.test(scenario) || !parseReportFolderName(folderName)) {
    throw inputError(
      'UPLOADED_REF_INVALID',
      `"${ref}" is not <scenario>/<YYYYMMDDTHHMMSSZ>-<drillId>`,
      'name the uploaded folder as it was printed by dr-drill run, e.g. payments-nightly/20260101T020000Z-ab12cd34',
    );
  }
  const base = uploadedFolderPrefix(opts.prefix, scenario, folderName);
  const where = `${containerLocation(container)}/${base}`;
  const tmp = mkdtempSync(join(tmpdir(), 'dr-drill-verify-'));
  try {
    const local = join(tmp, scenario, folderName);
    mkdirSync(local, { recursive: true });
    const metadata = new Map<string, Record<string, string>>();
    const policies = new Map<string, BlobImmutability>();
    const notRead: string[] = [];
    try {
      for await (const b of container.listBlobsFlat({ prefix: base })) {
        const name = b.name.slice(base.length);
        if (!name || name.includes('/')) continue;
        if (metadata.size + notRead.length >= UPLOADED_LIMITS.files) {
          notRead.push(
            `more than ${UPLOADED_LIMITS.files} files: the rest not downloaded (not a folder dr-drill wrote)`,
          );
          break;
        }
        try {
          const got = await download(container, b.name, join(local, name));
          metadata.set(name, got.metadata);
          policies.set(name, got.immutability);
        } catch (e) {
          if (!(e instanceof TooLarge)) throw e;
          notRead.push(`${name}: larger than ${UPLOADED_LIMITS.file >> 20} MiB (${e.size} bytes): not downloaded`);
        }
      }
    } catch (e) {
      throw storageError(e, where);
    }
    if (metadata.size === 0) {
      throw inputError(
        'UPLOADED_REPORT_NOT_FOUND',
        `no uploaded report at ${where}`,
        'check --container, --prefix and the <scenario>/<folder> name',
      );
    }
    const extra = await fetchPrevious(container, opts.prefix, scenario, local, join(tmp, scenario));
    const uploaded = uploadedChecks(local, metadata, policies, await containerVersionLevel(container));
    for (const message of notRead) uploaded.problems.push({ file: message.split(':')[0]!, message });
    const result = withUploadedChecks(
      verifyReportFolder(local, { publicKey: opts.publicKey ?? null, trust: opts.trust ?? null }),
      uploaded,
    );
    // Messages name the temporary copy; name the uploaded one instead.
    const remoteScenario = `${containerLocation(container)}/${uploadedScenarioPrefix(opts.prefix, scenario).replace(/\/$/, '')}`;
    const relabel = (text: string) => text.split(join(tmp, scenario)).join(remoteScenario);
    for (const p of result.problems) p.message = relabel(p.message);
    result.notes = [...extra, ...result.notes.map(relabel)];
    result.folder = where.replace(/\/$/, '');
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** What the service said of one uploaded drill folder's blobs. */
interface UploadedFolder {
  metadata: Map<string, Record<string, string>>;
  policies: Map<string, BlobImmutability>;
  notRead: VerifyProblem[];
}

/**
 * `report verify --chain --container … <scenario>`: every uploaded folder of the scenario (and its prune record)
 * downloaded to a temporary directory and put through the whole-chain check.
 */
export async function verifyUploadedChain(
  container: ContainerClient,
  scenarioRef: string,
  opts: VerifyUploadedOptions,
): Promise<ChainResult> {
  const scenario = scenarioRef.replace(/^\/+|\/+$/g, '');
  if (!SEGMENT.test(scenario))
    throw inputError(
      'UPLOADED_REF_INVALID',
      `"${scenarioRef}" is not a scenario name`,
      'with --chain and --container, name the scenario, e.g. payments-nightly',
    );
  const base = uploadedScenarioPrefix(opts.prefix, scenario);
  const where = `${containerLocation(container)}/${base.replace(/\/$/, '')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'dr-drill-chain-'));
  try {
    const local = join(tmp, scenario);
    mkdirSync(local, { recursive: true });
    let files = 0;
    // Per drill folder, what the service said of each blob: checked as a single-folder --container verify does.
    const blobs = new Map<string, UploadedFolder>();
    try {
      for await (const b of container.listBlobsFlat({ prefix: base })) {
        const parts = b.name.slice(base.length).split('/');
        const ok =
          (parts.length === 1 && (parts[0] === PRUNE_FILE || parts[0] === PRUNE_SIGNATURE_FILE)) ||
          (parts.length === 2 && parseReportFolderName(parts[0]!) && parts[1]);
        if (!ok) continue;
        if (parts.length === 2) mkdirSync(join(local, parts[0]!), { recursive: true });
        if (parts.length === 1) {
          await download(container, b.name, join(local, parts[0]!));
          files++;
          continue;
        }
        const folder: UploadedFolder = blobs.get(parts[0]!) ?? {
          metadata: new Map(),
          policies: new Map(),
          notRead: [],
        };
        blobs.set(parts[0]!, folder);
        files++;
        try {
          const got = await download(container, b.name, join(local, ...parts));
          folder.metadata.set(parts[1]!, got.metadata);
          folder.policies.set(parts[1]!, got.immutability);
        } catch (e) {
          if (!(e instanceof TooLarge)) throw e;
          folder.notRead.push({
            file: parts[1]!,
            message: `${parts[1]}: larger than ${UPLOADED_LIMITS.file >> 20} MiB (${e.size} bytes): not downloaded`,
          });
        }
      }
    } catch (e) {
      throw storageError(e, where);
    }
    if (!files)
      throw inputError(
        'UPLOADED_REPORT_NOT_FOUND',
        `no uploaded drills at ${where}`,
        'check --container, --prefix and the scenario name',
      );
    const versionLevel = await containerVersionLevel(container);
    const result = verifyChain(local, { publicKey: opts.publicKey ?? null, trust: opts.trust ?? null }, (folder) => {
      const got = blobs.get(basename(folder));
      if (!got) return { problems: [], notes: [] };
      const found = uploadedChecks(folder, got.metadata, got.policies, versionLevel);
      return { problems: [...found.problems, ...got.notRead], notes: found.notes };
    });
    const relabel = (text: string) => text.split(local).join(where);
    result.scenarioDir = where;
    result.notes = result.notes.map(relabel);
    for (const p of result.problems) p.message = relabel(p.message);
    for (const d of result.drills) {
      d.folder = relabel(d.folder);
      d.notes = d.notes.map(relabel);
      for (const p of d.problems) p.message = relabel(p.message);
    }
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Downloads the previous drill's report.json (found by the drill id in its folder name) for the chain check. */
async function fetchPrevious(
  container: ContainerClient,
  prefix: string | null,
  scenario: string,
  local: string,
  scenarioDir: string,
): Promise<string[]> {
  let prevId: unknown;
  try {
    prevId = (
      JSON.parse(readFileSync(join(local, 'report.json'), 'utf8')) as { evidence?: { previousDrillId?: unknown } }
    ).evidence?.previousDrillId;
  } catch {
    return []; // verifyReportFolder reports the unreadable report
  }
  if (typeof prevId !== 'string') return [];
  const scenarioPrefix = uploadedScenarioPrefix(prefix, scenario);
  try {
    for await (const item of container.listBlobsByHierarchy('/', { prefix: scenarioPrefix })) {
      if (item.kind !== 'prefix') continue;
      const name = item.name.slice(scenarioPrefix.length).replace(/\/$/, '');
      if (parseReportFolderName(name)?.drillId !== prevId) continue;
      mkdirSync(join(scenarioDir, name), { recursive: true });
      try {
        await download(container, `${item.name}report.json`, join(scenarioDir, name, 'report.json'));
      } catch {
        // Too large or gone:
        // Folder there, report.json gone: the chain check names exactly that.
        rmSync(join(scenarioDir, name, 'report.json'), { force: true });
      }
      return [`previous drill ${prevId} found at ${containerLocation(container)}/${item.name}`];
    }
  } catch (e) {
    throw storageError(e, `${containerLocation(container)}/${scenarioPrefix}`);
  }
  return [];
}

/**
 * The container's version-level immutability flag, read once. A SAS scoped to blobs cannot read container
 * properties: then undefined, and only the blobs' own policies count.
 */
async function containerVersionLevel(container: ContainerClient): Promise<boolean | undefined> {
  try {
    return (await container.getProperties()).isImmutableStorageWithVersioningEnabled;
  } catch {
    return undefined;
  }
}

/**
 * What only the uploaded copy can show about one drill folder (downloaded to `local`): blob metadata that
 * disagrees with its report, and blob policies against the one the sealed report states (immutability-check.ts).
 */
function uploadedChecks(
  local: string,
  metadata: Map<string, Record<string, string>>,
  policies: Map<string, BlobImmutability>,
  versionLevel: boolean | undefined,
): { problems: VerifyProblem[]; notes: string[] } {
  let report: {
    drillId?: unknown;
    verdict?: unknown;
    endedAt?: unknown;
    scenario?: { name?: unknown };
    evidence?: { immutability?: IntendedImmutability | null };
  };
  try {
    report = JSON.parse(readFileSync(join(local, 'report.json'), 'utf8'));
  } catch {
    return { problems: [], notes: [] }; // verifyReportFolder reports the unreadable report
  }
  const problems: VerifyProblem[] = [];
  const want: Record<string, unknown> = {
    scenario: report.scenario?.name,
    verdict: report.verdict,
    drillid: report.drillId,
  };
  for (const [file, meta] of metadata)
    for (const [k, v] of Object.entries(want))
      if (meta[k] !== undefined && meta[k] !== v)
        problems.push({ file, message: `blob metadata ${k}="${meta[k]}" disagrees with report.json (${String(v)})` });
  if (typeof report.endedAt !== 'string') return { problems, notes: [] };
  const blobs = [...policies].map(([name, p]) => ({ name, ...p }));
  const immutability = checkImmutability(report.evidence?.immutability, report.endedAt, versionLevel, blobs);
  return { problems: [...problems, ...immutability.problems], notes: immutability.notes };
}

/** `report verify` flags naming an uploaded copy's account. */
export interface UploadedLocationFlags {
  container: string;
  accountUrl?: string | undefined;
  connectionString?: string | undefined;
}

/** The evidence container the flags name; input errors (exit 2) for missing or conflicting credentials. */
export function evidenceContainerFromFlags(
  flags: UploadedLocationFlags,
  env: NodeJS.ProcessEnv = process.env,
): ContainerClient {
  const given = { accountUrl: flags.accountUrl, connectionString: flags.connectionString };
  const auth = storageAuth(given, storageFlags(' for the uploaded report'), env);
  if (auth.kind === 'default-credential') return containerFor(auth, flags.container);
  try {
    return containerFor(auth, flags.container);
  } catch {
    throw inputError(
      'STORAGE_BAD_OPTION',
      'invalid connection string',
      'pass the storage account connection string (AccountKey or SharedAccessSignature form)',
    );
  }
}
