/**
 * The `local-data` StorageClass's provisioner (run by the node stand-in): which claims it provisions, the local PV
 * it makes on the node the scheduler selected, and which volumes it deletes. Its real use — a file-system-backed
 * claim restored in dr into a fresh volume — runs in test/e2e/fs-backup.test.ts.
 */
import { expect } from 'chai';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  LOCAL_DATA_CLASS,
  LOCAL_DATA_PROVISIONER,
  localDataStorageClass,
  releasedForDeletion,
  volumeFor,
} from '../../src/local/local-data-class.js';

const claim = (over: Partial<V1PersistentVolumeClaim['spec']> = {}, annotations: Record<string, string> = {}) =>
  ({
    metadata: {
      name: 'pgdata-db-0',
      namespace: 'shop',
      uid: 'u-1',
      annotations: { 'volume.kubernetes.io/selected-node': 'node-000001', ...annotations },
    },
    spec: {
      storageClassName: LOCAL_DATA_CLASS,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '2Gi' } },
      ...over,
    },
  }) as V1PersistentVolumeClaim;

describe('local-data provisioner', () => {
  it('is a WaitForFirstConsumer class with reclaim policy Delete, provisioned by dr-drill', () => {
    expect(localDataStorageClass()).to.deep.include({
      provisioner: LOCAL_DATA_PROVISIONER,
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
  });

  it('makes a local PV pre-bound to the claim, on the selected node, its data in the pv store', () => {
    const pv = volumeFor(claim(), '/state/kubelet/dr/pv')!;
    expect(pv.metadata?.name).to.equal('pvc-u-1');
    expect(pv.spec?.local?.path).to.equal('/state/kubelet/dr/pv/pvc-u-1');
    expect(pv.spec?.capacity).to.deep.equal({ storage: '2Gi' });
    expect(pv.spec?.claimRef).to.include({ namespace: 'shop', name: 'pgdata-db-0', uid: 'u-1' });
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]).to.deep.equal({
      key: 'kubernetes.io/hostname',
      operator: 'In',
      values: ['node-000001'],
    });
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).to.equal(LOCAL_DATA_PROVISIONER);
  });

  it('leaves alone claims of other classes, bound ones, and ones whose node is not selected yet', () => {
    expect(volumeFor(claim({ storageClassName: 'manual' }), '/pv')).to.equal(null);
    expect(volumeFor(claim({ volumeName: 'pvc-u-1' }), '/pv')).to.equal(null);
    const unscheduled = claim();
    delete unscheduled.metadata!.annotations!['volume.kubernetes.io/selected-node'];
    expect(volumeFor(unscheduled, '/pv')).to.equal(null);
  });

  it('deletes only its own Released volumes under reclaim policy Delete', () => {
    const pv = (phase: string, by = LOCAL_DATA_PROVISIONER, policy = 'Delete') =>
      ({
        metadata: { name: 'pvc-u-1', annotations: { 'pv.kubernetes.io/provisioned-by': by } },
        spec: { persistentVolumeReclaimPolicy: policy },
        status: { phase },
      }) as V1PersistentVolume;
    expect(releasedForDeletion(pv('Released'))).to.equal(true);
    expect(releasedForDeletion(pv('Bound'))).to.equal(false);
    expect(releasedForDeletion(pv('Released', 'disk.csi.azure.com'))).to.equal(false);
    expect(releasedForDeletion(pv('Released', LOCAL_DATA_PROVISIONER, 'Retain'))).to.equal(false);
  });
});
