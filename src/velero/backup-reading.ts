/**
 * Reading a backup's files (its tarball, `<b>-resource-list.json.gz`, `<b>-volumeinfo.json.gz`): straight from
 * spec.storage when the scenario names it, otherwise through a DownloadRequest in a cluster that has the Backup
 * (as `velero backup describe`). Every read is size-capped by the readers it goes through.
 */
import { Readable } from 'node:stream';
import type { KubeGateway } from '../kube/gateway.js';
import type { BackupStorage } from './storage/index.js';
import { readGzipJsonArtifact, shapes } from './storage/read-artifact.js';
import { downloadBackupResults, downloadFile, type DownloadTargetKind } from './download.js';
import { parseRestoreResults } from './results.js';
import type { RestoreResults, VeleroBackup } from './types.js';
import { parseBackupResourceList, type ListedItem } from './restore-reach.js';
import { parseBackupVolumeInfos, type BackupVolumeInfo, type RestoreVolumeInfo } from './volume-info.js';
import { listPodVolumeBackups, volumeInfosOfPodVolumeBackups } from './pod-volume-backups.js';
import { isNotFound } from '../kube/errors.js';

const DOWNLOAD_TIMEOUT_MS = 120_000;
const RESULTS_TIMEOUT_MS = 60_000;

/** How a backup's files are reached: its storage directly, or a DownloadRequest in a cluster that has the Backup. */
export interface ContentsSource {
  storage: BackupStorage | null;
  gateway: KubeGateway | null;
  veleroNamespace: string;
  labels: Record<string, string>;
  signal?: AbortSignal;
}

/** One backup file through a DownloadRequest, trusting the CA of the backup's BSL when it has one. */
async function download(
  src: ContentsSource,
  kind: DownloadTargetKind,
  backupName: string,
  /** The file's owner when it is not the backup (a restore of it); the backup's BSL signs it all the same. */
  name = backupName,
): Promise<Buffer> {
  if (!src.gateway) throw new Error(`backup ${backupName}'s files are not reachable: no storage and no cluster`);
  const via = { gateway: src.gateway, veleroNamespace: src.veleroNamespace, labels: src.labels, signal: src.signal };
  return downloadFile({ ...via, timeoutMs: DOWNLOAD_TIMEOUT_MS }, kind, name, { backup: backupName });
}

const via = (src: ContentsSource) =>
  src.storage ? src.storage.description : `a DownloadRequest in ${src.gateway?.context ?? '?'}`;

/** Velero answers a DownloadRequest for a file the backup does not have with a URL that 404s. */
const isAbsent = (e: unknown) => e instanceof Error && /\b404\b|not found|NoSuchKey|BlobNotFound/i.test(e.message);

/** One gzipped JSON file of a backup or of a restore of it: where it is in storage, how a cluster serves it. */
interface BackupFile {
  /** Names the file in an error: "backup b1's volume info". */
  what: string;
  key: (layout: BackupStorage['layout']) => string;
  shape: (v: unknown) => string | null;
  /** Its DownloadRequest; null when Velero has no DownloadRequest kind for it. */
  download: { kind: DownloadTargetKind; backupName: string; name?: string } | null;
}

/**
 * The one reader of a backup's small files: from its storage when the scenario names it, else (or when storage lacks
 * it) through a DownloadRequest in a cluster that has the Backup. Null when the file is not there: missing in
 * storage with no cluster or no DownloadRequest kind to ask, or a DownloadRequest whose URL 404s. Any other problem
 * (truncated gzip, bad JSON, unreachable storage, neither storage nor cluster) throws, naming the file.
 */
async function readBackupFile(src: ContentsSource, file: BackupFile): Promise<{ value: unknown; via: string } | null> {
  if (src.storage) {
    const r = await readGzipJsonArtifact<unknown>(src.storage, file.key(src.storage.layout), file.shape);
    if (r.ok) return { value: r.value, via: src.storage.description };
    if (r.problem !== 'missing') throw new Error(`${file.what}: ${r.problem} (${r.key})`);
    if (!src.gateway) return null;
  }
  if (!file.download) return null;
  const { kind, backupName, name } = file.download;
  try {
    const body = await download(src, kind, backupName, name);
    return { value: JSON.parse(body.toString('utf8')), via: `a DownloadRequest in ${src.gateway!.context}` };
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

/** The backup's tarball as a stream (`<b>.tar.gz`), where it came from, and its name for a size-cap error. */
export async function openBackupContents(
  src: ContentsSource,
  backupName: string,
): Promise<{ stream: Readable; via: string; what: string }> {
  if (src.storage) {
    const key = src.storage.layout.backupKey(backupName, 'contents');
    const stream = await src.storage.openRead(key);
    if (stream) return { stream, via: src.storage.description, what: `${src.storage.description} ${key}` };
  }
  const body = await download(src, 'BackupContents', backupName);
  return {
    stream: Readable.from([body]),
    via: `a DownloadRequest in ${src.gateway!.context}`,
    what: `BackupContents of ${backupName}`,
  };
}

/** Every item of the backup (`<b>-resource-list.json.gz`). */
export async function readBackupList(
  src: ContentsSource,
  backupName: string,
): Promise<{ items: ListedItem[]; via: string }> {
  const what = `backup ${backupName}'s resource list in ${via(src)}`;
  const r = await readBackupFile(src, {
    what,
    key: (layout) => layout.backupKey(backupName, 'resourceList'),
    shape: shapes.resourceList,
    download: { kind: 'BackupResourceList', backupName },
  });
  if (!r)
    throw new Error(
      `${what}: missing (${src.storage?.layout.backupKey(backupName, 'resourceList') ?? 'BackupResourceList'})`,
    );
  return { items: parseBackupResourceList(r.value), via: r.via };
}

/**
 * Velero's BackupVolumeInfo entries (`<b>-volumeinfo.json.gz`, the `BackupVolumeInfos` DownloadRequest kind), or
 * null when the backup has none (Velero < 1.13).
 */
export async function readBackupVolumeInfos(
  src: ContentsSource,
  backupName: string,
): Promise<BackupVolumeInfo[] | null> {
  const r = await readBackupFile(src, {
    what: `backup ${backupName}'s volume info`,
    key: (layout) => layout.backupKey(backupName, 'volumeInfo'),
    shape: shapes.arrayOrNull,
    download: { kind: 'BackupVolumeInfos', backupName },
  });
  return r && parseBackupVolumeInfos(r.value);
}

/**
 * The backup's PodVolumeBackups as BackupVolumeInfo entries (pod-volume-backups.ts), for a backup without volume
 * info (Velero < 1.13): from `<b>-podvolumebackups.json.gz` in its storage (a missing file is no pod volume backup,
 * as Velero's GetPodVolumeBackups reads it), otherwise the PodVolumeBackup CRs of a cluster that has the Backup
 * (there is no DownloadRequest kind for the file). Null when neither is reachable.
 */
export async function readBackupPodVolumeBackups(
  src: ContentsSource,
  backupName: string,
): Promise<BackupVolumeInfo[] | null> {
  if (src.storage) {
    const r = await readBackupFile(src, {
      what: `backup ${backupName}'s pod volume backups`,
      key: (layout) => layout.backupKey(backupName, 'podVolumeBackups'),
      shape: shapes.arrayOrNull,
      download: null,
    });
    return r ? volumeInfosOfPodVolumeBackups(r.value) : [];
  }
  if (!src.gateway) return null;
  try {
    return await listPodVolumeBackups(src.gateway, src.veleroNamespace, backupName);
  } catch (e) {
    // A Velero without the PodVolumeBackup CRD backed nothing up by file system.
    if (isNotFound(e)) return [];
    throw e;
  }
}

/**
 * Velero's RestoreVolumeInfo entries of a restore of `backupName` (`<restore>-volumeinfo.json.gz`, the
 * `RestoreVolumeInfo` DownloadRequest kind), or null when the restore has none (Velero < 1.13).
 */
export async function readRestoreVolumeInfos(
  src: ContentsSource,
  restoreName: string,
  backupName: string,
): Promise<RestoreVolumeInfo[] | null> {
  const r = await readBackupFile(src, {
    what: `restore ${restoreName}'s volume info`,
    key: (layout) => layout.restoreKey(restoreName, 'volumeInfo'),
    shape: shapes.arrayOrNull,
    // The restore's file is signed through the backup's BSL.
    download: { kind: 'RestoreVolumeInfo', backupName, name: restoreName },
  });
  return r && (parseBackupVolumeInfos(r.value) as RestoreVolumeInfo[]);
}

/**
 * The backup's warnings and errors (`<b>-results.gz`): from its storage, else (when storage lacks the file or it does
 * not read there) through a DownloadRequest signed by the backup's BSL. Null when there is neither storage with the
 * file nor a cluster to ask; a DownloadRequest that fails throws.
 */
export async function readBackupResults(src: ContentsSource, backup: VeleroBackup): Promise<RestoreResults | null> {
  const name = backup.metadata.name;
  if (src.storage) {
    const r = await readGzipJsonArtifact<unknown>(src.storage, src.storage.layout.backupKey(name, 'results'));
    if (r.ok) return parseRestoreResults(r.value);
  }
  if (!src.gateway) return null;
  const via = { gateway: src.gateway, veleroNamespace: src.veleroNamespace, labels: src.labels, signal: src.signal };
  return downloadBackupResults({ ...via, timeoutMs: RESULTS_TIMEOUT_MS }, name, {
    storageLocation: backup.spec?.storageLocation ?? null,
  });
}
