/**
 * What a Velero Restore can write, and how it brings a PersistentVolume back (Velero v1.17, pkg/restore/restore.go
 * restoreItem, pkg/controller/restore_controller.go nonRestorableResources, internal/volume BackupVolumeInfo).
 * Pure: the backup's resource list, volume infos and PV objects are read elsewhere.
 */
import type { KubeObject } from '../kube/types.js';

/** One line of `<backup>-resource-list.json.gz`: `{"<apiVersion>/<Kind>": ["ns/name" | "name", …]}`. */
export interface ListedItem {
  apiVersion: string;
  kind: string;
  /** null: cluster-scoped (the entry has no `ns/`). */
  namespace: string | null;
  name: string;
}

export function parseBackupResourceList(json: unknown): ListedItem[] {
  const out: ListedItem[] = [];
  for (const [key, entries] of Object.entries((json ?? {}) as Record<string, string[] | null>)) {
    const slash = key.lastIndexOf('/');
    if (slash <= 0) continue;
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    for (const e of entries ?? []) {
      const i = e.indexOf('/');
      out.push(
        i >= 0
          ? { apiVersion, kind, namespace: e.slice(0, i), name: e.slice(i + 1) }
          : { apiVersion, kind, namespace: null, name: e },
      );
    }
  }
  return out;
}

export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** Kinds Velero never restores, by `group/Kind` (restore_controller.go nonRestorableResources). */
const NON_RESTORABLE = new Set([
  '/Node',
  '/Event',
  'events.k8s.io/Event',
  'velero.io/Backup',
  'velero.io/Restore',
  'velero.io/ResticRepository',
  'velero.io/BackupRepository',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
]);

export const restorable = (i: Pick<ListedItem, 'apiVersion' | 'kind'>): boolean =>
  !NON_RESTORABLE.has(`${groupOf(i.apiVersion)}/${i.kind}`);

const IRREGULAR: Record<string, string> = { endpoints: 'endpoints' };

/** The resource name of a kind as the API names it (lower-case plural), for matching a Restore's resource filters. */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  if (IRREGULAR[k]) return IRREGULAR[k];
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/**
 * Whether a Restore's includedResources/excludedResources let items of this kind through. Velero accepts
 * `deployments`, `deployments.apps` or `*`; when unsure the item counts as let through, so a check built on this
 * looks at more objects, never fewer.
 */
export function resourceFilterAllows(
  i: Pick<ListedItem, 'apiVersion' | 'kind'>,
  included: readonly string[],
  excluded: readonly string[],
): boolean {
  const res = resourceOf(i.kind);
  const group = groupOf(i.apiVersion);
  const names = new Set([res, i.kind.toLowerCase(), group ? `${res}.${group}` : res]);
  const hit = (list: readonly string[]) => list.some((x) => x === '*' || names.has(x.toLowerCase()));
  if (excluded.length && excluded.some((x) => x !== '*' && names.has(x.toLowerCase()))) return false;
  return !included.length || hit(included);
}

/** How Velero brings a backed-up PV back. */
export type PvRestoreWay = 'as-is' | 'reprovisioned' | 'from-snapshot';

/**
 * The branch Velero's restoreItem takes for a PV. With a BackupVolumeInfo entry: NativeSnapshot → a new volume
 * from the snapshot (but with restorePVs false, pvRestorer.executePVAction returns the PV unchanged: as-is);
 * PodVolumeBackup and CSISnapshot → dynamically re-provisioned; no method (data skipped) → re-provisioned when
 * the reclaim policy is Delete, otherwise handleSkippedPVHasRetainPolicy restores it as-is (claimRef namespace
 * remapped, binding reset, same volume source). Without volume infos (a pre-1.13 backup, or an entry missing) the
 * legacy branch looks at snapshot files this check does not read, so a non-Delete PV counts as as-is: a
 * refusal the scenario can lift, never a silent as-is restore.
 */
export function pvRestoreWay(
  pv: KubeObject,
  method: string | undefined,
  restorePVs: boolean,
): { way: PvRestoreWay; why: string } {
  const policy = (pv.spec?.persistentVolumeReclaimPolicy as string | undefined) ?? 'Retain';
  if (method === 'NativeSnapshot')
    return restorePVs
      ? { way: 'from-snapshot', why: 'a native snapshot is restored into a new volume' }
      : { way: 'as-is', why: 'it has a native snapshot but restorePVs is false, so Velero keeps the PV as it was' };
  if (method === 'PodVolumeBackup' || method === 'CSISnapshot')
    return { way: 'reprovisioned', why: `its data is restored by ${method} into a new volume` };
  if (policy === 'Delete')
    return { way: 'reprovisioned', why: 'no snapshot and reclaim policy Delete: Velero provisions a new volume' };
  return {
    way: 'as-is',
    why:
      method === undefined
        ? `no volume info for it in the backup and reclaim policy ${policy}: Velero may restore it as-is`
        : `no snapshot, no file-system backup and reclaim policy ${policy}: Velero restores it as-is`,
  };
}

/** The storage a PV points at, and whether another cluster can reach it too (a node's hostPath cannot). */
export interface StorageAsset {
  description: string;
  /** Reachable from any cluster (cloud disk, file share, NFS, CSI handle), not only from the source's nodes. */
  shared: boolean;
}

/** Volume sources that name storage on a node of the cluster, not storage other clusters can reach. */
const NODE_LOCAL = new Set(['hostPath', 'local']);
const NOT_SOURCES = new Set([
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

export function storageAsset(pv: KubeObject): StorageAsset | null {
  const s = (pv.spec ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (s.csi) return { description: `CSI ${s.csi.driver} volumeHandle ${s.csi.volumeHandle}`, shared: true };
  if (s.azureDisk) return { description: `Azure disk ${s.azureDisk.diskURI ?? s.azureDisk.diskName}`, shared: true };
  if (s.azureFile) return { description: `Azure Files share ${s.azureFile.shareName}`, shared: true };
  if (s.nfs) return { description: `NFS ${s.nfs.server}:${s.nfs.path}`, shared: true };
  if (s.hostPath) return { description: `hostPath ${s.hostPath.path}`, shared: false };
  if (s.local) return { description: `local volume ${s.local.path}`, shared: false };
  const other = Object.keys(s).find((k) => !NOT_SOURCES.has(k) && s[k] && typeof s[k] === 'object');
  return other ? { description: `${other} volume`, shared: !NODE_LOCAL.has(other) } : null;
}
