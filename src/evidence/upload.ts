/**
 * Upload of a sealed report folder to an evidence container: `<container>/<prefix>/<scenario>/<folder>/<file>`,
 * each blob with metadata (scenario, verdict, drillid), never overwriting a blob that exists, then an immutability
 * policy per blob (Unlocked, or Locked) where the container supports version-level immutability. Where it does not (Azurite,
 * or an account without it), a plain statement says so; that is a warning, never a drill failure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { inputError } from '../util/errors.js';
import type { ImmutabilityMode, StorageAuthPlan, StoragePlan, UploadPlan } from '../plan/types.js';
import { overlapsBsl } from '../plan/storage-plan.js';
import { storageError, statusOf } from '../velero/storage/storage-errors.js';
import { blobAuthOf, blobContainer } from '../velero/storage/blob-storage.js';

/** Whether the blob's content is exactly `body` (read with a cap a little over the file's own size). */
async function holdsExactly(container: ContainerClient, blob: string, body: Buffer, where: string): Promise<boolean> {
  try {
    const props = await container.getBlobClient(blob).getProperties();
    if (props.contentLength !== body.length) return false;
    const existing = await container.getBlobClient(blob).downloadToBuffer(0, body.length);
    return existing.equals(body);
  } catch (e) {
    throw storageError(e, where);
  }
}

/** A container client for an account the plan describes (no I/O). */
export function containerFor(auth: StorageAuthPlan, container: string): ContainerClient {
  return blobContainer(blobAuthOf(auth), container);
}

/** Origin and path of a container URL: no query, so no SAS signature. */
export function containerLocation(c: ContainerClient): string {
  const u = new URL(c.url);
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

/** The blob-name prefix of one scenario's uploads: `<prefix>/<scenario>/`. */
export function uploadedScenarioPrefix(prefix: string | null, scenario: string): string {
  return `${prefix ? `${prefix}/` : ''}${scenario}/`;
}

/** The blob-name prefix of one uploaded drill folder: `<prefix>/<scenario>/<folder>/`. */
export function uploadedFolderPrefix(prefix: string | null, scenario: string, folderName: string): string {
  return `${uploadedScenarioPrefix(prefix, scenario)}${folderName}/`;
}

/** What the upload did. */
export interface UploadResult {
  /** Where the folder went (no secret): `<container URL>/<blob prefix>`. */
  location: string;
  files: string[];
  /** Files an earlier, interrupted upload of this folder had already written, byte for byte. */
  alreadyUploaded: string[];
  immutability: {
    /** true: every blob has the policy; false: the account does not support it; null: it failed otherwise. */
    supported: boolean | null;
    /** The mode the service confirmed for every blob; null: none, or not the same for all. */
    mode: ImmutabilityMode | null;
    until: string | null;
    /** A plain sentence for the operator and the CI log. */
    statement: string;
  };
}

/** What uploadReportFolder needs. */
export interface UploadOptions {
  container: ContainerClient;
  prefix: string | null;
  scenario: string;
  verdict: string;
  drillId: string;
  immutableForMs: number;
  /** Default Unlocked. */
  immutabilityMode?: ImmutabilityMode;
  now: Date;
  /** The BSL (its container client and prefix) when known: uploads into it are refused. */
  bsl?: { container: ContainerClient; prefix: string | null } | null;
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  md: 'text/markdown; charset=utf-8',
  xml: 'application/xml',
  html: 'text/html; charset=utf-8',
  pem: 'application/x-pem-file',
};
const contentType = (name: string) => CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'text/plain; charset=utf-8';

const MODE_WORDS: Record<ImmutabilityMode, string> = {
  Locked: 'Locked (nobody, the storage account owner included, can shorten or remove it)',
  Unlocked: 'Unlocked (the storage account owner can still shorten or remove it)',
};

// Answers meaning "this account (or emulator) has no version-level immutability", as opposed to a real failure.
function immutabilityUnsupported(e: unknown): boolean {
  const status = statusOf(e);
  const code = String((e as { code?: unknown }).code ?? '');
  return (
    status === 501 || /NotImplemented|NotSupported|ImmutabilityPolicy|VersionLevelWorm|FeatureNotEnabled/i.test(code)
  );
}

/**
 * Uploads every file of a sealed folder. Throws a DrillError when the destination is the BSL (input) or the
 * upload itself fails (infrastructure); immutability problems are reported in the result, never thrown.
 */
export async function uploadReportFolder(folder: string, opts: UploadOptions): Promise<UploadResult> {
  const { container } = opts;
  const base = uploadedFolderPrefix(opts.prefix, opts.scenario, basename(folder.replace(/[\\/]+$/, '')));
  if (
    opts.bsl &&
    containerLocation(opts.bsl.container) === containerLocation(container) &&
    overlapsBsl({ container: '', prefix: opts.bsl.prefix }, { container: '', prefix: opts.prefix }, opts.scenario)
  ) {
    throw inputError(
      'UPLOAD_INTO_BSL',
      `refusing to upload evidence to ${containerLocation(container)}/${base}: it is inside the backup storage location`,
      'set spec.report.upload to a separate container (Velero marks a BSL Unavailable when foreign folders appear in it)',
    );
  }
  const where = `${containerLocation(container)}/${base}`;
  try {
    await container.createIfNotExists();
  } catch (e) {
    // Creating needs more rights than writing blobs; an existing container is all the upload needs.
    if (statusOf(e) !== 403) throw storageError(e, containerLocation(container));
  }
  const files = readdirSync(folder)
    .filter((n) => statSync(join(folder, n)).isFile())
    .sort();
  const metadata = { scenario: opts.scenario, verdict: opts.verdict, drillid: opts.drillId };
  const alreadyThere: string[] = [];
  for (const name of files) {
    const body = readFileSync(join(folder, name));
    try {
      // ifNoneMatch '*': evidence is written once; a second upload of the same folder must not replace it.
      await container.getBlockBlobClient(base + name).uploadData(body, {
        metadata,
        blobHTTPHeaders: { blobContentType: contentType(name) },
        conditions: { ifNoneMatch: '*' },
      });
    } catch (e) {
      if (statusOf(e) !== 409) throw storageError(e, `${where}${name}`);
      // An upload cut short (storage outage, runner stopped) is finished later by uploading again: a blob that
      // holds exactly this file is already done; one that holds anything else is never replaced.
      if (await holdsExactly(container, base + name, body, `${where}${name}`)) {
        alreadyThere.push(name);
        continue;
      }
      throw inputError(
        'UPLOAD_EXISTS',
        `${where}${name} already exists with different content: evidence is never overwritten`,
        'this folder was uploaded before; verify the uploaded copy with dr-drill report verify --container …',
      );
    }
  }
  const until = new Date(opts.now.getTime() + opts.immutableForMs);
  const mode = opts.immutabilityMode ?? 'Unlocked';
  let immutability: UploadResult['immutability'];
  try {
    // The statement says what the service answered for each blob, not what was asked.
    const answered = new Set<string>();
    for (const name of files) {
      const r = await container
        .getBlobClient(base + name)
        .setImmutabilityPolicy({ expiriesOn: until, policyMode: mode });
      answered.add(r.immutabilityPolicyMode ?? 'no mode in the answer');
    }
    const confirmed = answered.size === 1 && answered.has(mode) ? mode : null;
    immutability = {
      supported: true,
      mode: confirmed,
      until: until.toISOString(),
      statement: confirmed
        ? `immutability policy set on ${files.length} blob(s): ${MODE_WORDS[mode]}, until ${until.toISOString()}`
        : `immutability policy asked for ${files.length} blob(s) as ${mode} until ${until.toISOString()}; the service answered: ${[...answered].join(', ')}`,
    };
  } catch (e) {
    immutability = immutabilityUnsupported(e)
      ? {
          supported: false,
          mode: null,
          until: null,
          statement: `the evidence container does not support immutability policies (HTTP ${statusOf(e) ?? '?'}; version-level immutability is not enabled on it, or it is Azurite): the uploaded copy is protected only by access control (no ${mode} policy)`,
        }
      : {
          supported: null,
          mode: null,
          until: null,
          statement: `could not set a ${mode} immutability policy: ${storageError(e, where).message}`,
        };
  }
  return { location: where, files, alreadyUploaded: alreadyThere, immutability };
}

/** Uploads a drill's sealed folder as its plan says; the BSL is known from spec.storage when given. */
export async function uploadDrillFolder(
  folder: string,
  report: { drillId: string; verdict: string; scenario: { name: string } },
  upload: UploadPlan,
  storage: StoragePlan | null,
  now: Date,
): Promise<UploadResult> {
  return uploadReportFolder(folder, {
    container: containerFor(upload.auth, upload.container),
    prefix: upload.prefix,
    scenario: report.scenario.name,
    verdict: report.verdict,
    drillId: report.drillId,
    immutableForMs: upload.immutableForMs,
    immutabilityMode: upload.immutabilityMode,
    now,
    bsl: storage ? { container: containerFor(storage.auth, storage.container), prefix: storage.prefix } : null,
  });
}

/** An upload's outcome for the caller of runDrill: the drill is sealed by then, so a failure is reported, not thrown. */
export type UploadOutcome = { result: UploadResult; error: null } | { result: null; error: string };

/** uploadDrillFolder that never throws: an evidence upload failure must not hide the drill's verdict. */
export async function uploadEvidence(
  folder: string,
  report: { drillId: string; verdict: string; scenario: { name: string } },
  upload: UploadPlan,
  storage: StoragePlan | null,
  now: Date,
): Promise<UploadOutcome> {
  try {
    return { result: await uploadDrillFolder(folder, report, upload, storage, now), error: null };
  } catch (e) {
    const d = e as { message?: string; hint?: string };
    return { result: null, error: `${d.message ?? String(e)}${d.hint ? ` (hint: ${d.hint})` : ''}` };
  }
}
