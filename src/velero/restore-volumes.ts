/**
 * Velero's per-volume records, as it writes them to `<backup>-volumeinfo.json.gz` (BackupVolumeInfo) and
 * `<restore>-volumeinfo.json.gz` (RestoreVolumeInfo): internal/volume/volumes_information.go @ v1.17.2. Only the
 * fields the drill reads. Go's encoder writes the untagged `Phase` fields with a capital P, and a nil list as
 * `null`. The live PodVolumeRestore (velero.io/v1) and DataDownload (velero.io/v2alpha1) objects carry
 * `velero.io/restore-name` and say how each copy of data ended.
 */
import type { KubeGateway } from '../kube/gateway.js';
import { isNotFound } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { BackupStorage } from '../storage/index.js';
import { readGzipJsonArtifact, shapes } from '../storage/read-artifact.js';
import { downloadArtifact } from './download.js';
import { LABEL_RESTORE_NAME, validLabelValue } from './names.js';

/** Velero's words for how a volume's data was backed up or restored. */
export type VolumeMethod = 'NativeSnapshot' | 'PodVolumeBackup' | 'CSISnapshot' | 'PodVolumeRestore';

interface PodVolumeInfo {
  size?: number;
  volumeName?: string;
  podName?: string;
  podNamespace?: string;
  Phase?: string;
}

export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: VolumeMethod | string;
  snapshotDataMoved?: boolean;
  skipped?: boolean;
  skippedReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  /** `succeeded` | `failed`; set for native snapshots and pod volume backups only. */
  result?: string;
  csiSnapshotInfo?: { size?: number };
  snapshotDataMovementInfo?: { size?: number; Phase?: string };
  nativeSnapshotInfo?: { Phase?: string };
  pvbInfo?: PodVolumeInfo;
}

export interface RestoreVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  restoreMethod?: VolumeMethod | string;
  snapshotDataMoved?: boolean;
  csiSnapshotInfo?: { size?: number };
  snapshotDataMovementInfo?: { size?: number };
  pvrInfo?: PodVolumeInfo;
}

/** A volume info file: a JSON array of objects (or null). Throws on any other shape. */
export function parseVolumeInfoList<T>(json: unknown, what: string): T[] {
  if (json === null) return [];
  if (!Array.isArray(json) || json.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))
    throw new Error(`${what} is not a JSON array of objects`);
  return json as T[];
}

export const PVR_API = 'velero.io/v1';
export const DATA_DOWNLOAD_API = 'velero.io/v2alpha1';

/** The live objects that moved a restore's data, by Velero's phases. */
export interface DataMover {
  kind: 'PodVolumeRestore' | 'DataDownload';
  /** Target namespace and pod/volume (PodVolumeRestore) or PVC (DataDownload). */
  namespace: string;
  pod: string | null;
  volume: string | null;
  pvc: string | null;
  phase: string;
  message: string | null;
  bytes: number | null;
  durationSeconds: number | null;
}

export function dataMoverOf(o: KubeObject): DataMover {
  const spec = (o.spec ?? {}) as {
    pod?: { namespace?: string; name?: string };
    volume?: string;
    targetVolume?: { namespace?: string; pvc?: string };
  };
  const s = (o.status ?? {}) as {
    phase?: string;
    message?: string;
    startTimestamp?: string;
    completionTimestamp?: string;
    progress?: { totalBytes?: number };
  };
  const pvr = o.kind === 'PodVolumeRestore';
  const start = s.startTimestamp ? Date.parse(s.startTimestamp) : NaN;
  const end = s.completionTimestamp ? Date.parse(s.completionTimestamp) : NaN;
  return {
    kind: pvr ? 'PodVolumeRestore' : 'DataDownload',
    namespace: (pvr ? spec.pod?.namespace : spec.targetVolume?.namespace) ?? '',
    pod: pvr ? (spec.pod?.name ?? null) : null,
    volume: pvr ? (spec.volume ?? null) : null,
    pvc: pvr ? null : (spec.targetVolume?.pvc ?? null),
    phase: s.phase || 'New',
    message: s.message || null,
    bytes: s.progress?.totalBytes ?? null,
    durationSeconds: Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : null,
  };
}

/** Where volume info files are read: the BSL's storage when the scenario names it, else DownloadRequests. */
export interface VolumeInfoSource {
  storage: BackupStorage | null;
  gateway: KubeGateway;
  veleroNamespace: string;
  caCertPem: string | null;
  labels: Record<string, string>;
  signal?: AbortSignal;
}

const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * `<backup>-volumeinfo.json.gz` (DownloadRequest kind BackupVolumeInfos) or `<restore>-volumeinfo.json.gz`
 * (RestoreVolumeInfo); null with the reason when it is not there (Velero < 1.13) or cannot be read.
 */
export async function readVolumeInfo<T>(
  src: VolumeInfoSource,
  of: { kind: 'BackupVolumeInfos'; backup: string } | { kind: 'RestoreVolumeInfo'; restore: string },
): Promise<{ list: T[] | null; why: string | null }> {
  const name = of.kind === 'BackupVolumeInfos' ? of.backup : of.restore;
  const what = `${of.kind} of ${name}`;
  try {
    if (src.storage) {
      const key =
        of.kind === 'BackupVolumeInfos'
          ? src.storage.layout.backupKey(of.backup, 'volumeInfo')
          : src.storage.layout.restoreKey(of.restore, 'volumeInfo');
      const r = await readGzipJsonArtifact<unknown>(src.storage, key, shapes.arrayOrNull);
      if (r.ok) return { list: parseVolumeInfoList<T>(r.value, what), why: null };
      if (r.problem !== 'missing') return { list: null, why: `${r.key}: ${r.problem}` };
    }
    const body = await downloadArtifact(src.gateway, src.veleroNamespace, of.kind, name, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      caCertPem: src.caCertPem,
      labels: src.labels,
      signal: src.signal,
    });
    return { list: parseVolumeInfoList<T>(JSON.parse(body.toString('utf8')), what), why: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // Velero signs a URL for a file the backup does not have; fetching it answers 404 (Velero older than 1.13).
    if (/\b404\b|not found|NoSuchKey|BlobNotFound/i.test(msg))
      return { list: null, why: `${what} is not in the backup storage (Velero older than 1.13?)` };
    return { list: null, why: `${what}: ${msg}` };
  }
}

/** The restore's PodVolumeRestores and DataDownloads (label velero.io/restore-name), and what could not be listed. */
export async function listDataMovers(
  gw: KubeGateway,
  veleroNamespace: string,
  restoreName: string,
): Promise<{ movers: DataMover[]; problems: string[] }> {
  const movers: DataMover[] = [];
  const problems: string[] = [];
  const labelSelector = `${LABEL_RESTORE_NAME}=${validLabelValue(restoreName)}`;
  for (const [apiVersion, kind] of [
    [PVR_API, 'PodVolumeRestore'],
    [DATA_DOWNLOAD_API, 'DataDownload'],
  ] as const) {
    try {
      const { items } = await gw.list({ apiVersion, kind, namespace: veleroNamespace, labelSelector });
      movers.push(...items.map((o) => dataMoverOf({ ...o, kind })));
    } catch (e) {
      // A Velero without the data mover CRD has no DataDownloads to show.
      if (!isNotFound(e)) problems.push(`could not list ${kind}s: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { movers, problems };
}
