/**
 * A backup's PodVolumeBackups: how a backup made before Velero 1.13 (no `<b>-volumeinfo.json.gz`) says which pod
 * volumes it copied by file system. Velero writes them for every backup as `<b>-podvolumebackups.json.gz`, a gzip
 * JSON array of PodVolumeBackup objects (`null` when there are none; pkg/controller/backup_controller.go
 * persistBackup, encode.ToJSONGzip), and its backup sync creates them as PodVolumeBackup CRs, labelled
 * `velero.io/backup-name`, in every cluster that syncs the backup (pkg/controller/backup_sync_controller.go). There
 * is no DownloadRequest kind for the file. Each becomes the BackupVolumeInfo entry Velero ≥ 1.13 would have written
 * for it (internal/volume/volumes_information.go: backupMethod PodVolumeBackup, pvbInfo), so one proof covers both.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { LABEL_BACKUP_NAME, validLabelValue } from './names.js';
import type { BackupVolumeInfo } from './volume-info.js';

/** The annotation Velero puts on a PodVolumeBackup of a claim's volume (pkg/podvolume: PVCNameAnnotation). */
export const PVC_NAME_ANNOTATION = 'velero.io/pvc-name';
export const PVB_API = 'velero.io/v1';

/** The BackupVolumeInfo entry of one PodVolumeBackup object (as stored, or as the synced CR). */
export function volumeInfoOfPodVolumeBackup(o: KubeObject): BackupVolumeInfo {
  const spec = (o.spec ?? {}) as { pod?: { namespace?: string; name?: string }; volume?: string };
  const status = (o.status ?? {}) as {
    phase?: string;
    message?: string;
    snapshotID?: string;
    progress?: { totalBytes?: number };
  };
  const pvc = o.metadata?.annotations?.[PVC_NAME_ANNOTATION] ?? '';
  const namespace = spec.pod?.namespace ?? '';
  const phase = status.phase || 'New';
  return {
    pvcName: pvc,
    pvcNamespace: pvc ? namespace : '',
    backupMethod: 'PodVolumeBackup',
    // A backup ends only once its PodVolumeBackups do: one not Completed did not copy the data.
    result: phase === 'Completed' ? 'succeeded' : 'failed',
    pvbInfo: {
      podName: spec.pod?.name ?? '',
      podNamespace: namespace,
      volumeName: spec.volume ?? '',
      snapshotHandle: status.snapshotID || undefined,
      size: status.progress?.totalBytes,
      Phase: phase,
    },
  };
}

/** The entries of `<b>-podvolumebackups.json.gz` (already parsed: an array, or `null` for none). */
export function volumeInfosOfPodVolumeBackups(json: unknown): BackupVolumeInfo[] {
  return (Array.isArray(json) ? json : [])
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && !Array.isArray(o))
    .map((o) => volumeInfoOfPodVolumeBackup({ ...o, metadata: o.metadata ?? { name: '' } }));
}

/** The backup's PodVolumeBackup CRs in a cluster that has the Backup (its own, or synced from storage). */
export async function listPodVolumeBackups(
  gw: KubeGateway,
  veleroNamespace: string,
  backupName: string,
): Promise<BackupVolumeInfo[]> {
  const { items } = await gw.list({
    apiVersion: PVB_API,
    kind: 'PodVolumeBackup',
    namespace: veleroNamespace,
    labelSelector: `${LABEL_BACKUP_NAME}=${validLabelValue(backupName)}`,
  });
  // A long name's label value is cut and hashed: the tag Velero sets keeps the whole name.
  return items
    .filter((o) => ((o.spec as { tags?: Record<string, string> })?.tags?.backup ?? backupName) === backupName)
    .map(volumeInfoOfPodVolumeBackup);
}
