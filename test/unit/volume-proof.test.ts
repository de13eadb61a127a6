/**
 * How each restored volume's data came back, joined from Velero's own records (issue #12 item 1). The fixtures
 * are in the JSON shape Velero v1.17 writes (internal/volume/volumes_information.go): note the capital `Phase`.
 */
import { expect } from 'chai';
import { dataMoverOf } from '../../src/velero/restore-volumes.js';
import { parseBackupVolumeInfos, type BackupVolumeInfo } from '../../src/velero/volume-info.js';
import { proveVolumes, type VolumeEvidence, type VolumeProof } from '../../src/velero/volume-proof.js';

const T = 'shop-drill-x';
const evidence = (e: Partial<VolumeEvidence>): VolumeEvidence => ({
  mapping: { shop: T },
  backup: [],
  backupUnreadable: null,
  restore: [],
  movers: [],
  restoredClaims: [{ namespace: T, name: 'data-db-0' }],
  ...e,
});
const skipped: BackupVolumeInfo = {
  pvcName: 'data-db-0',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  snapshotDataMoved: false,
  skipped: true,
  skippedReason: 'volumeSnapshot: no applicable volumesnapshotter found;',
};
const byPvb: BackupVolumeInfo = {
  pvcName: 'data-db-0',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  backupMethod: 'PodVolumeBackup',
  snapshotDataMoved: false,
  skipped: false,
  result: 'succeeded',
  pvbInfo: {
    snapshotHandle: '7f3a9c0d2b1e4f56',
    size: 4096,
    volumeName: 'data',
    podName: 'db-0',
    podNamespace: 'shop',
    Phase: 'Completed',
  },
};
const pvr = (phase: string, message?: string) =>
  dataMoverOf({
    apiVersion: 'velero.io/v1',
    kind: 'PodVolumeRestore',
    metadata: { name: 'r-abc', namespace: 'velero' },
    spec: { pod: { namespace: T, name: 'db-0' }, volume: 'data', snapshotID: '7f3a9c0d2b1e4f56' },
    status: {
      phase,
      message,
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:00:07Z',
      progress: { totalBytes: 4096, bytesDone: 4096 },
    },
  });
const dataMoved: BackupVolumeInfo = {
  pvcName: 'data-db-0',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: true,
  skipped: false,
  csiSnapshotInfo: { snapshotHandle: 'unknown', size: 0 },
  snapshotDataMovementInfo: { size: 0, Phase: 'Completed', snapshotHandle: 'e1d2c3b4a5968778' },
};
const dd = (phase: string) =>
  dataMoverOf({
    apiVersion: 'velero.io/v2alpha1',
    kind: 'DataDownload',
    metadata: { name: 'r-xyz', namespace: 'velero' },
    spec: { targetVolume: { namespace: T, pvc: 'data-db-0', pv: '' }, snapshotID: 'e1d2c3b4a5968778' },
    status: { phase, progress: { totalBytes: 1 << 20 } },
  });
const csi: BackupVolumeInfo = {
  pvcName: 'data-db-0',
  pvcNamespace: 'shop',
  pvName: 'pvc-1',
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: false,
  skipped: false,
  csiSnapshotInfo: { size: 2048, snapshotHandle: 'snap-0a1b2c3d-csi' },
};

const cases: Array<{ name: string; e: VolumeEvidence; want: Partial<VolumeProof>; reason: RegExp }> = [
  {
    name: 'a PV Velero skipped was never in the backup: not restored, with its reason',
    e: evidence({ backup: [skipped] }),
    want: {
      namespace: T,
      pvc: 'data-db-0',
      backupMethod: 'none',
      restoreMethod: 'none',
      snapshotId: null,
      dataRestored: false,
    },
    reason: /^never in the backup: volumeSnapshot: no applicable volumesnapshotter found;$/,
  },
  {
    name: 'a restored claim Velero has no record of was never in the backup',
    e: evidence({ backup: [] }),
    want: { pvc: 'data-db-0', backupMethod: 'none', dataRestored: false },
    reason: /never in the backup: Velero's volume info has no record of it/,
  },
  {
    name: 'file-system backup restored by a Completed PodVolumeRestore: restored, bytes and duration',
    e: evidence({ backup: [byPvb], movers: [pvr('Completed')] }),
    want: {
      pod: 'db-0',
      volume: 'data',
      backupMethod: 'PodVolumeBackup',
      restoreMethod: 'PodVolumeRestore',
      phase: 'Completed',
      bytes: 4096,
      durationSeconds: 7,
      snapshotId: '7f3a9c0d2b1e4f56',
      dataRestored: true,
    },
    reason: /PodVolumeRestore Completed, 4096 bytes/,
  },
  {
    name: "a Failed PodVolumeRestore: not restored, with Velero's message",
    e: evidence({ backup: [byPvb], movers: [pvr('Failed', 'error restoring volume: repository not found')] }),
    want: { phase: 'Failed', dataRestored: false },
    reason: /^PodVolumeRestore Failed: error restoring volume: repository not found$/,
  },
  {
    name: 'backed up by file system but no PodVolumeRestore was made: not restored',
    e: evidence({ backup: [byPvb], movers: [] }),
    want: { backupMethod: 'PodVolumeBackup', restoreMethod: 'none', dataRestored: false },
    reason: /no PodVolumeRestore copied it/,
  },
  {
    name: 'a failed pod volume backup: not restored',
    e: evidence({ backup: [{ ...byPvb, result: 'failed', pvbInfo: { ...byPvb.pvbInfo, Phase: 'Failed' } }] }),
    want: { dataRestored: false },
    reason: /its backup by PodVolumeBackup failed \(Failed\)/,
  },
  {
    name: 'CSI data movement restored by a Completed DataDownload',
    e: evidence({ backup: [dataMoved], movers: [dd('Completed')] }),
    want: {
      backupMethod: 'CSISnapshot',
      restoreMethod: 'CSISnapshot',
      bytes: 1 << 20,
      snapshotId: 'e1d2c3b4a5968778',
      dataRestored: true,
    },
    reason: /DataDownload Completed/,
  },
  {
    name: 'a DataDownload still InProgress is not proof',
    e: evidence({ backup: [dataMoved], movers: [dd('InProgress')] }),
    want: { dataRestored: false },
    reason: /DataDownload still InProgress/,
  },
  {
    name: 'a CSI snapshot the restore made the volume from',
    e: evidence({
      backup: [csi],
      restore: [
        { pvcName: 'data-db-0', pvcNamespace: T, restoreMethod: 'CSISnapshot', csiSnapshotInfo: { size: 2048 } },
      ],
    }),
    want: {
      backupMethod: 'CSISnapshot',
      restoreMethod: 'CSISnapshot',
      bytes: 2048,
      snapshotId: 'snap-0a1b2c3d-csi',
      dataRestored: true,
    },
    reason: /made from its CSISnapshot snapshot/,
  },
  {
    name: 'a native snapshot the restore did not use (restorePVs false): not restored',
    e: evidence({ backup: [{ ...csi, backupMethod: 'NativeSnapshot', result: 'succeeded' }], restore: [] }),
    want: { backupMethod: 'NativeSnapshot', restoreMethod: 'none', dataRestored: false },
    reason: /the restore did not restore it from there/,
  },
  {
    name: 'the backup volume info could not be read: every restored claim is unproven, saying why',
    e: evidence({ backup: null, backupUnreadable: 'BackupVolumeInfos of b1 is not in the backup storage' }),
    want: { pvc: 'data-db-0', backupMethod: 'unknown', snapshotId: null, dataRestored: false },
    reason: /Velero's volume info could not be read: BackupVolumeInfos of b1/,
  },
];

describe("volume proof: how each restored volume came back, from Velero's records", () => {
  for (const c of cases)
    it(c.name, () => {
      const v = proveVolumes(c.e);
      expect(v).to.have.length(1);
      expect(v[0]).to.include(c.want);
      expect(v[0].reason).to.match(c.reason);
    });

  it('a volume of a namespace the restore does not include is left out', () => {
    const v = proveVolumes(evidence({ backup: [{ ...skipped, pvcNamespace: 'other' }], restoredClaims: [] }));
    expect(v).to.deep.equal([]);
  });

  it('a pod volume that is no claim (emptyDir backed up by file system) is listed by pod and volume', () => {
    const emptyDir = { ...byPvb, pvcName: undefined, pvcNamespace: undefined, pvName: undefined };
    const v = proveVolumes(evidence({ backup: [emptyDir], movers: [pvr('Completed')], restoredClaims: [] }));
    expect(v[0]).to.include({ namespace: T, pvc: null, pod: 'db-0', volume: 'data', dataRestored: true });
  });

  it("a native snapshot restored in place shows the provider's snapshot id", () => {
    const native: BackupVolumeInfo = {
      ...csi,
      backupMethod: 'NativeSnapshot',
      result: 'succeeded',
      csiSnapshotInfo: undefined,
      nativeSnapshotInfo: {
        snapshotHandle: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/snapshots/x',
        Phase: 'Completed',
      },
    };
    const v = proveVolumes(
      evidence({
        backup: [native],
        restore: [{ pvcName: 'data-db-0', pvcNamespace: T, restoreMethod: 'NativeSnapshot' }],
      }),
    );
    expect(v[0]).to.include({ dataRestored: true, snapshotId: native.nativeSnapshotInfo!.snapshotHandle });
  });

  it("the snapshot id is the one the PodVolumeRestore restored from; Velero's record when the copy names none", () => {
    const other = pvr('Completed');
    expect(
      proveVolumes(evidence({ backup: [byPvb], movers: [{ ...other, snapshotId: 'aaaa0000bbbb1111' }] }))[0],
    ).to.have.property('snapshotId', 'aaaa0000bbbb1111');
    expect(proveVolumes(evidence({ backup: [byPvb], movers: [{ ...other, snapshotId: null }] }))[0]).to.have.property(
      'snapshotId',
      '7f3a9c0d2b1e4f56',
    );
  });

  it("a moved CSI volume is not given the CSI handle Velero writes as 'unknown'", () => {
    const v = proveVolumes(evidence({ backup: [dataMoved], movers: [{ ...dd('Completed'), snapshotId: null }] }));
    expect(v[0].snapshotId).to.equal('e1d2c3b4a5968778');
    const noRecord = { ...dataMoved, snapshotDataMovementInfo: { Phase: 'Completed' } };
    expect(
      proveVolumes(evidence({ backup: [noRecord], movers: [{ ...dd('Completed'), snapshotId: null }] }))[0].snapshotId,
    ).to.equal(null);
  });

  it("reads Velero's file: null (Go's nil list) is no volume, entries that are not objects are dropped", () => {
    expect(parseBackupVolumeInfos(null)).to.deep.equal([]);
    expect(parseBackupVolumeInfos([skipped, 1, null, [skipped]])).to.deep.equal([skipped]);
  });
});
