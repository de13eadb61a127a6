/**
 * Velero's own account of each volume in a backup (`<backup>-volumeinfo.json.gz`, Velero ≥ 1.13; v1.17
 * internal/volume/volumes_information.go BackupVolumeInfo). Only the fields dr-drill reads are typed; the rest is
 * kept as Velero wrote it.
 */

/** How Velero backed a volume up, in Velero's words; '' (omitted) when it skipped the data. */
export type VolumeMethod = 'NativeSnapshot' | 'PodVolumeBackup' | 'CSISnapshot' | '';

/** One volume of a backup in Velero's volume info (the fields dr-drill reads; the rest kept as written). */
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
  /** succeeded | failed; set for native snapshots and pod volume backups only. */
  result?: string;
  /** snapshotHandle: the CSI driver's handle; Velero writes `unknown` when the data mover took the snapshot. */
  csiSnapshotInfo?: { size?: number; snapshotHandle?: string };
  /** Go writes the untagged Phase fields with a capital P. snapshotHandle: the kopia snapshot of the moved data. */
  snapshotDataMovementInfo?: { size?: number; Phase?: string; snapshotHandle?: string };
  /** snapshotHandle: the cloud provider's snapshot id. */
  nativeSnapshotInfo?: { Phase?: string; snapshotHandle?: string };
  pvbInfo?: PodVolumeInfo;
  [field: string]: unknown;
}

/** PodVolumeInfo: the pod volume a PodVolumeBackup read or a PodVolumeRestore wrote. */
export interface PodVolumeInfo {
  /** The uploader's (kopia's) snapshot: a PodVolumeBackup's status.snapshotID, a PodVolumeRestore's spec.snapshotID. */
  snapshotHandle?: string;
  size?: number;
  volumeName?: string;
  podName?: string;
  podNamespace?: string;
  Phase?: string;
}

/**
 * Velero's account of each volume a restore brought back (`<restore>-volumeinfo.json.gz`, RestoreVolumeInfo):
 * the PVC and namespace are the restored ones (target namespace).
 */
export interface RestoreVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  restoreMethod?: string;
  snapshotDataMoved?: boolean;
  csiSnapshotInfo?: { size?: number; snapshotHandle?: string };
  snapshotDataMovementInfo?: { size?: number; snapshotHandle?: string };
  nativeSnapshotInfo?: { snapshotHandle?: string };
  pvrInfo?: PodVolumeInfo;
  [field: string]: unknown;
}

/** The file's entries; anything that is not an object is dropped (the file is written by whoever writes storage). */
export function parseBackupVolumeInfos(json: unknown): BackupVolumeInfo[] {
  return (Array.isArray(json) ? json : []).filter(
    (v): v is BackupVolumeInfo => !!v && typeof v === 'object' && !Array.isArray(v),
  );
}

/** backupMethod per PV name ('' when Velero skipped the data). */
export function volumeMethods(infos: BackupVolumeInfo[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of infos)
    if (typeof e.pvName === 'string' && e.pvName)
      out.set(e.pvName, typeof e.backupMethod === 'string' ? e.backupMethod : '');
  return out;
}
