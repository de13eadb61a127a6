/**
 * What a backup's volume data needs from the Velero that restores it, in Velero's words: PodVolumeBackups and
 * data-mover uploads are restored by node-agent (file-system restore, or a DataDownload) from the kopia repository
 * whose password is Secret velero-repo-credentials; CSI snapshots need the EnableCSI feature; native snapshots
 * need a VolumeSnapshotLocation of the name the backup recorded. Pure, apart from reading the backup's files.
 */
import type { KubeObject } from '../kube/types.js';
import { openBackupContents, readBackupVolumeInfos, type ContentsSource } from './backup-reading.js';
import { readBackupItems } from './backup-contents.js';
import type { BackupVolumeInfo } from './volume-info.js';
import type { VeleroBackup } from './types.js';

/** Counted from Velero's volume info (or, without one, guessed from the Backup's own spec and status). */
export interface VolumeDataNeeds {
  podVolumeBackups: number;
  dataMoverUploads: number;
  /** CSI snapshots left in place (their data was not moved). */
  csiSnapshots: number;
  nativeSnapshots: number;
  /** PVs in Block mode whose data moved through node-agent: it must then run privileged. */
  blockVolumes: string[];
  /** volume-info: Velero's own account; backup-spec: the Backup's flags and counts (Velero < 1.13, or unreadable). */
  basis: 'volume-info' | 'backup-spec';
}

/** The Velero install that restores such data; flags as `velero install` takes them (v1.17 pkg/cmd/cli/install). */
export interface DataPathInstall {
  /** --use-node-agent: the node-agent DaemonSet. */
  nodeAgent: boolean;
  /** --privileged-node-agent: only for block volumes. */
  privilegedNodeAgent: boolean;
  /** --features (EnableCSI for CSI snapshots and the data mover). */
  features: string[];
  /** The kopia repository password (Secret velero-repo-credentials) must be the source's. */
  repositoryPassword: boolean;
  /** VolumeSnapshotLocations are needed for native snapshots. */
  snapshotLocations: boolean;
}

export const CSI_FEATURE = 'EnableCSI';
export const REPO_PASSWORD_SECRET = 'velero-repo-credentials';
export const REPO_PASSWORD_KEY = 'repository-password';

/** Counts from Velero's BackupVolumeInfo entries; skipped volumes carry no data and need nothing. */
export function needsFromVolumeInfos(infos: BackupVolumeInfo[], blockPvs: ReadonlySet<string>): VolumeDataNeeds {
  const n: VolumeDataNeeds = {
    podVolumeBackups: 0,
    dataMoverUploads: 0,
    csiSnapshots: 0,
    nativeSnapshots: 0,
    blockVolumes: [],
    basis: 'volume-info',
  };
  for (const v of infos) {
    if (v.skipped) continue;
    const viaNodeAgent =
      v.backupMethod === 'PodVolumeBackup' || (v.backupMethod === 'CSISnapshot' && v.snapshotDataMoved === true);
    if (v.backupMethod === 'PodVolumeBackup') n.podVolumeBackups++;
    else if (v.backupMethod === 'CSISnapshot' && v.snapshotDataMoved) n.dataMoverUploads++;
    else if (v.backupMethod === 'CSISnapshot') n.csiSnapshots++;
    else if (v.backupMethod === 'NativeSnapshot') n.nativeSnapshots++;
    if (viaNodeAgent && v.pvName && blockPvs.has(v.pvName)) n.blockVolumes.push(v.pvName);
  }
  return n;
}

/**
 * Without volume info: the Backup's own flags and counts. PodVolumeBackups are not counted in a Backup's status,
 * so defaultVolumesToFsBackup stands for "some"; the data mover runs as async item operations.
 */
export function needsFromBackup(b: VeleroBackup): VolumeDataNeeds {
  const spec = (b.spec ?? {}) as Record<string, unknown>;
  const status = (b.status ?? {}) as Record<string, unknown>;
  const num = (k: string) => (typeof status[k] === 'number' ? (status[k] as number) : 0);
  const moved = spec.snapshotMoveData === true;
  return {
    podVolumeBackups: spec.defaultVolumesToFsBackup === true ? 1 : 0,
    dataMoverUploads: moved ? Math.max(num('backupItemOperationsAttempted'), num('csiVolumeSnapshotsAttempted')) : 0,
    csiSnapshots: moved ? 0 : num('csiVolumeSnapshotsAttempted'),
    nativeSnapshots: num('volumeSnapshotsAttempted'),
    blockVolumes: [],
    basis: 'backup-spec',
  };
}

export function dataPathInstall(n: VolumeDataNeeds): DataPathInstall {
  const nodeAgent = n.podVolumeBackups + n.dataMoverUploads > 0;
  return {
    nodeAgent,
    privilegedNodeAgent: nodeAgent && n.blockVolumes.length > 0,
    features: n.csiSnapshots + n.dataMoverUploads > 0 ? [CSI_FEATURE] : [],
    repositoryPassword: nodeAgent,
    snapshotLocations: n.nativeSnapshots > 0,
  };
}

export const hasVolumeData = (n: VolumeDataNeeds): boolean =>
  n.podVolumeBackups + n.dataMoverUploads + n.csiSnapshots + n.nativeSnapshots > 0;

/** "2 PodVolumeBackups, 1 data-mover upload (block: pv-1)", or "no volume data". */
export function describeNeeds(n: VolumeDataNeeds): string {
  const parts: string[] = [];
  const count = (x: number, one: string, many = `${one}s`) => x > 0 && parts.push(`${x} ${x === 1 ? one : many}`);
  if (n.basis === 'backup-spec' && n.podVolumeBackups) parts.push('PodVolumeBackups (defaultVolumesToFsBackup)');
  else count(n.podVolumeBackups, 'PodVolumeBackup');
  count(n.dataMoverUploads, 'data-mover upload');
  count(n.csiSnapshots, 'CSI snapshot');
  count(n.nativeSnapshots, 'native snapshot');
  if (!parts.length) return 'no volume data';
  return parts.join(', ') + (n.blockVolumes.length ? ` (block mode: ${n.blockVolumes.join(', ')})` : '');
}

/** The install in words, for the report and the plan: "node-agent, --features=EnableCSI, …". */
export function describeInstall(d: DataPathInstall): string {
  const parts = [
    d.nodeAgent ? (d.privilegedNodeAgent ? 'node-agent (privileged, for block volumes)' : 'node-agent') : null,
    d.features.length ? `--features=${d.features.join(',')}` : null,
    d.repositoryPassword ? `the source's repository password (${REPO_PASSWORD_SECRET})` : null,
    d.snapshotLocations ? "the source's VolumeSnapshotLocations" : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing beyond the server';
}

/**
 * The needs of a backup: Velero's volume info when the backup has one, the Backup's spec and status otherwise. The
 * tarball is read (PVs only) just when data moved through node-agent, to find Block-mode volumes.
 */
export async function readVolumeDataNeeds(src: ContentsSource, backup: VeleroBackup): Promise<VolumeDataNeeds> {
  const name = backup.metadata.name;
  const infos = await readBackupVolumeInfos(src, name);
  if (!infos) return needsFromBackup(backup);
  const candidates = infos.filter(
    (v) =>
      !v.skipped &&
      v.pvName &&
      (v.backupMethod === 'PodVolumeBackup' || (v.backupMethod === 'CSISnapshot' && v.snapshotDataMoved)),
  );
  const block = new Set<string>();
  if (candidates.length) {
    const { stream, what } = await openBackupContents(src, name);
    for (const { object } of await readBackupItems(stream, new Set(['persistentvolumes']), null, what))
      if ((object as KubeObject & { spec?: { volumeMode?: string } }).spec?.volumeMode === 'Block')
        block.add(object.metadata.name);
  }
  return needsFromVolumeInfos(infos, block);
}
