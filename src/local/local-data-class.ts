/**
 * The `local-data` StorageClass of the local environment with file-system backup on, and what its provisioner
 * (run by the node stand-in) creates. A restore of a file-system-backed claim needs dynamic provisioning: Velero
 * restores the claim without its volume and the data into whatever volume the class provisions; the environment's
 * other classes are `no-provisioner`. WaitForFirstConsumer, so the volume is made on the node the scheduler picked
 * (the `volume.kubernetes.io/selected-node` annotation), as a local PV whose data is a directory of the state dir.
 * Pure: the stand-in decides when, this module says what.
 */
import { join } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';

export const LOCAL_DATA_CLASS = 'local-data';
export const LOCAL_DATA_PROVISIONER = 'dr-drill.io/local-data';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export function localDataStorageClass(): Record<string, unknown> {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_DATA_CLASS, labels: { 'app.kubernetes.io/managed-by': 'dr-drill-local' } },
    provisioner: LOCAL_DATA_PROVISIONER,
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
  };
}

/** The PV name for a claim (as external provisioners name theirs). */
export function provisionedName(claim: V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

/**
 * The PV to create for a claim, or null when the claim is not ours to provision (another class, already bound,
 * being deleted, or no node selected yet).
 */
export function volumeFor(claim: V1PersistentVolumeClaim, pvStore: string): V1PersistentVolume | null {
  const m = claim.metadata;
  const node = m?.annotations?.[SELECTED_NODE];
  if (claim.spec?.storageClassName !== LOCAL_DATA_CLASS || claim.spec.volumeName || m?.deletionTimestamp) return null;
  if (!node || !m?.uid || !m.name || !m.namespace) return null;
  const name = provisionedName(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [PROVISIONED_BY]: LOCAL_DATA_PROVISIONER },
      labels: { 'app.kubernetes.io/managed-by': 'dr-drill-local' },
    },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec.accessModes?.length ? claim.spec.accessModes : ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: LOCAL_DATA_CLASS,
      volumeMode: 'Filesystem',
      local: { path: join(pvStore, name) },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
          ],
        },
      },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid },
    },
  };
}

/** True for a volume of ours whose claim is gone (Released) under reclaim policy Delete: delete it and its data. */
export function releasedForDeletion(pv: V1PersistentVolume): boolean {
  return (
    pv.metadata?.annotations?.[PROVISIONED_BY] === LOCAL_DATA_PROVISIONER &&
    pv.spec?.persistentVolumeReclaimPolicy === 'Delete' &&
    pv.status?.phase === 'Released' &&
    !pv.metadata?.deletionTimestamp
  );
}
