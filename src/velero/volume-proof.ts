/**
 * How each restored volume's data came back (issue #12 item 1): Velero's backup volume info says how the data was
 * backed up (or that it never was: skipped, with Velero's reason), its restore volume info how the restore used
 * it, and the live PodVolumeRestores / DataDownloads how the copy ended. Pure: the caller reads, this joins.
 */
import type { DataMover } from './restore-volumes.js';
import type { BackupVolumeInfo, RestoreVolumeInfo } from './volume-info.js';

/** One restored volume in the report (`restore.volumes[]`). */
export interface VolumeProof {
  /** Target namespace. */
  namespace: string;
  /** The claim, or null for a pod volume that is no claim (emptyDir backed up by file system). */
  pvc: string | null;
  /** Pod and volume name, for data restored through the pod (PodVolumeRestore). */
  pod: string | null;
  volume: string | null;
  /** Velero's word for how the data was backed up; `none` when it never was. */
  backupMethod: string;
  /** Velero's word for how the restore brought the data back; `none` when it did not. */
  restoreMethod: string;
  /** Velero's phase of the object that copied the data (PodVolumeRestore, DataDownload), when there is one. */
  phase: string | null;
  bytes: number | null;
  durationSeconds: number | null;
  /**
   * The snapshot the data came back from, as Velero names it: the kopia snapshot of a PodVolumeBackup or of
   * moved CSI data, the CSI driver's snapshot handle, the cloud provider's snapshot id; null when there is none.
   */
  snapshotId: string | null;
  dataRestored: boolean;
  /** Why the data is not (or how it is) known to be back. */
  reason: string;
}

/**
 * What volume proof judges each restored claim from: the backup's and the restore's accounts and the target's claims.
 */
export interface VolumeEvidence {
  /** Source → target namespace of the restore. */
  mapping: Record<string, string>;
  /** The backup's volume info; null when it could not be read (`backupUnreadable` says why). */
  backup: BackupVolumeInfo[] | null;
  /**
   * Where `backup` came from: Velero's volume info, or (a backup made before Velero 1.13, which has none) its pod
   * volume backups, which say nothing of snapshots: a claim they do not cover is unknown, not "never in the backup".
   */
  backupBasis?: 'volumeinfo' | 'podvolumebackups';
  backupUnreadable: string | null;
  /** The restore's volume info; null when it could not be read. */
  restore: RestoreVolumeInfo[] | null;
  movers: DataMover[];
  /** Claims the restore brought back (its resource list), in target namespaces. */
  restoredClaims: Array<{ namespace: string; name: string }>;
}

export function proveVolumes(e: VolumeEvidence): VolumeProof[] {
  const out: VolumeProof[] = [];
  if (!e.backup) {
    for (const c of e.restoredClaims)
      out.push(
        unproven(c.namespace, c.name, 'unknown', `Velero's volume info could not be read: ${e.backupUnreadable}`),
      );
    return out;
  }
  for (const b of e.backup) {
    const sourceNs = b.pvcNamespace || b.pvbInfo?.podNamespace || '';
    const namespace = e.mapping[sourceNs];
    if (namespace === undefined) continue; // not part of this restore
    out.push(prove(b, namespace, e));
  }
  for (const c of e.restoredClaims)
    if (!out.some((v) => v.namespace === c.namespace && v.pvc === c.name))
      out.push(
        e.backupBasis === 'podvolumebackups'
          ? unproven(
              c.namespace,
              c.name,
              'unknown',
              'the backup has no volume info (made before Velero 1.13) and no pod volume backup of this claim: a snapshot of it, if any, is not checked',
            )
          : unproven(c.namespace, c.name, 'none', "never in the backup: Velero's volume info has no record of it"),
      );
  return out;
}

function unproven(namespace: string, pvc: string, backupMethod: string, reason: string): VolumeProof {
  return {
    namespace,
    pvc,
    pod: null,
    volume: null,
    backupMethod,
    restoreMethod: 'none',
    phase: null,
    bytes: null,
    durationSeconds: null,
    snapshotId: null,
    dataRestored: false,
    reason,
  };
}

function prove(b: BackupVolumeInfo, namespace: string, e: VolumeEvidence): VolumeProof {
  const pod = b.pvbInfo?.podName || null;
  const volume = b.pvbInfo?.volumeName || null;
  const base = {
    namespace,
    pvc: b.pvcName || null,
    pod,
    volume,
    backupMethod: b.skipped ? 'none' : b.backupMethod || 'none',
    restoreMethod: 'none',
    phase: null,
    bytes: null,
    durationSeconds: null,
    snapshotId: b.skipped ? null : snapshotOf(b),
  };
  const no = (reason: string): VolumeProof => ({ ...base, dataRestored: false, reason });
  if (b.skipped) return no(`never in the backup: ${b.skippedReason?.trim() || 'Velero skipped it'}`);
  if (!b.backupMethod) return no('never in the backup: Velero recorded no backup method');
  const moved = b.snapshotDataMovementInfo;
  if (b.result === 'failed' || moved?.Phase === 'Failed' || moved?.Phase === 'Canceled')
    return no(
      `its backup by ${b.backupMethod} failed${b.pvbInfo?.Phase || moved?.Phase ? ` (${b.pvbInfo?.Phase || moved?.Phase})` : ''}`,
    );

  const r = (e.restore ?? []).find(
    (x) =>
      (base.pvc && x.pvcNamespace === namespace && x.pvcName === base.pvc) ||
      (pod && x.pvrInfo?.podNamespace === namespace && x.pvrInfo.podName === pod && x.pvrInfo.volumeName === volume),
  );
  if (b.backupMethod === 'PodVolumeBackup') {
    const m = e.movers.find(
      (x) => x.kind === 'PodVolumeRestore' && x.namespace === namespace && x.pod === pod && x.volume === volume,
    );
    if (!m) return no(`backed up by PodVolumeBackup, but no PodVolumeRestore copied it (was its pod restored?)`);
    return fromMover({ ...base, restoreMethod: 'PodVolumeRestore' }, m);
  }
  if (b.backupMethod === 'CSISnapshot' && b.snapshotDataMoved) {
    const m = e.movers.find((x) => x.kind === 'DataDownload' && x.namespace === namespace && x.pvc === base.pvc);
    if (!m) return no('backed up by CSI snapshot data movement, but no DataDownload copied it');
    return fromMover({ ...base, restoreMethod: 'CSISnapshot' }, m);
  }
  // A snapshot restored in place: the claim's volume is made from it, there is no copy to watch.
  if (!r) {
    if (!e.restore) return no(`backed up by ${b.backupMethod}; the restore's volume info could not be read`);
    return no(`backed up by ${b.backupMethod}, but the restore did not restore it from there (restorePVs false?)`);
  }
  return {
    ...base,
    restoreMethod: r.restoreMethod || 'none',
    snapshotId:
      base.snapshotId ?? handle(r.csiSnapshotInfo?.snapshotHandle) ?? handle(r.nativeSnapshotInfo?.snapshotHandle),
    bytes: r.csiSnapshotInfo?.size || b.csiSnapshotInfo?.size || null,
    dataRestored: Boolean(r.restoreMethod),
    reason: r.restoreMethod
      ? `the volume was made from its ${b.backupMethod} snapshot`
      : 'the restore recorded no method for it',
  };
}

/**
 * Velero's snapshot id in the backup's volume info (internal/volume/volumes_information.go @ v1.17.2): moved data
 * has its own kopia snapshot (the CSI handle is then `unknown`), a pod volume its PodVolumeBackup's status.snapshotID.
 */
function snapshotOf(b: BackupVolumeInfo): string | null {
  if (b.backupMethod === 'PodVolumeBackup') return handle(b.pvbInfo?.snapshotHandle);
  if (b.backupMethod === 'NativeSnapshot') return handle(b.nativeSnapshotInfo?.snapshotHandle);
  if (b.snapshotDataMoved) return handle(b.snapshotDataMovementInfo?.snapshotHandle);
  return handle(b.csiSnapshotInfo?.snapshotHandle);
}

/** Velero writes `unknown` for a handle it could not know, and omits an empty one. */
function handle(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v !== 'unknown' ? v : null;
}

const TERMINAL_BAD = new Set(['Failed', 'Canceled', 'Canceling']);

function fromMover(base: Omit<VolumeProof, 'dataRestored' | 'reason'>, m: DataMover): VolumeProof {
  // The copy's own spec.snapshotID is what it restored from; Velero copies it from the backup's record.
  const v = {
    ...base,
    phase: m.phase,
    bytes: m.bytes,
    durationSeconds: m.durationSeconds,
    snapshotId: m.snapshotId ?? base.snapshotId,
  };
  if (m.phase === 'Completed')
    return { ...v, dataRestored: true, reason: `${m.kind} Completed${m.bytes !== null ? `, ${m.bytes} bytes` : ''}` };
  const why = TERMINAL_BAD.has(m.phase) ? `${m.kind} ${m.phase}` : `${m.kind} still ${m.phase}`;
  return { ...v, dataRestored: false, reason: m.message ? `${why}: ${m.message}` : why };
}

/** Proven from the restore's volume info alone: the volume was made from a snapshot, with no copy (mover) to watch. */
export function madeFromSnapshot(v: Pick<VolumeProof, 'dataRestored' | 'phase' | 'pvc'>): boolean {
  return v.dataRestored && v.phase === null && v.pvc !== null;
}
