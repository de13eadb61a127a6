/**
 * Refusals taken before the Restore is created, for restores known to harm what the drill protects (exit 2, a
 * hint naming the fix): `existingResourcePolicy: update` in the source cluster while the backup holds
 * cluster-scoped objects Velero would update in place, and a PersistentVolume Velero would restore as-is onto
 * the source's own storage. The decision is pure (judgeHarm); reachOf reads what it needs.
 */
import { inputError } from '../util/errors.js';
import type { ClusterComparison } from '../kube/cluster-identity.js';
import type { KubeObject } from '../kube/types.js';
import type { RestorePlan } from '../plan/types.js';
import { readBackupItems } from '../velero/backup-contents.js';
import {
  pvRestoreWay,
  resourceFilterAllows,
  restorable,
  storageAsset,
  type ListedItem,
} from '../velero/restore-reach.js';
import {
  openBackupContents,
  readBackupList,
  readBackupVolumeInfos,
  type ContentsSource,
} from '../velero/backup-reading.js';
import { volumeMethods } from '../velero/volume-info.js';

/** What the restore can reach, as read from the backup before the Restore exists. */
export interface BackupReach {
  /** Every item of the backup (its resource list). */
  items: ListedItem[];
  /** The backup's PVs the restore brings back (claimed in a restored namespace), as backed up. */
  pvs: KubeObject[];
  /** BackupVolumeInfo per PV name; null when the backup has none. */
  volumeInfos: Map<string, string> | null;
  via: string;
}

type RestoreFilters = Pick<RestorePlan, 'includedResources' | 'excludedResources'>;

/**
 * Cluster-scoped items of the backup the restore could write: not the restored namespaces' own Namespace items
 * (mapped to the drill's scratch namespaces), not kinds Velero never restores, and let through the resource
 * filters. Velero restores cluster-scoped items of a namespace-filtered restore only as additional items of
 * others (a PVC's PV), so this is a superset: a check built on it looks at more, never fewer.
 */
export function clusterScopedInReach(items: ListedItem[], restore: RestoreFilters, namespaces: string[]): ListedItem[] {
  return items.filter(
    (i) =>
      i.namespace === null &&
      restorable(i) &&
      !(i.kind === 'Namespace' && namespaces.includes(i.name)) &&
      resourceFilterAllows(i, restore.includedResources, restore.excludedResources),
  );
}

/** The PVs Velero restores with a namespace-filtered restore: those claimed by a PVC of a restored namespace. */
export function pvsInReach(pvs: KubeObject[], restore: RestoreFilters, namespaces: string[]): KubeObject[] {
  if (
    !resourceFilterAllows(
      { apiVersion: 'v1', kind: 'PersistentVolume' },
      restore.includedResources,
      restore.excludedResources,
    )
  )
    return [];
  return pvs.filter((pv) => namespaces.includes(pv.spec?.claimRef?.namespace ?? ''));
}

/** What the harm checks read: the restore options that could write into the source, the restored namespaces, the target against the source, and what the backup holds. */
export interface HarmInput {
  restore: Pick<
    RestorePlan,
    | 'existingResourcePolicy'
    | 'allowClusterScopedUpdates'
    | 'allowSharedVolumeAssets'
    | 'includedResources'
    | 'excludedResources'
    | 'restorePVs'
  >;
  namespaces: string[];
  /** The target against the source; null when there is no source cluster to compare with (storage-only drill). */
  cluster: ClusterComparison | null;
  targetContext: string;
  reach: Pick<BackupReach, 'items' | 'pvs' | 'volumeInfos'>;
}

/** Why a restore would harm the source cluster, refused before anything is created. */
export interface Refusal {
  code: 'UPDATE_IN_SOURCE_CLUSTER' | 'PV_ON_SOURCE_STORAGE';
  message: string;
  hint: string;
}

const some = (xs: string[], n = 5) => xs.slice(0, n).join(', ') + (xs.length > n ? `, … (${xs.length} in all)` : '');

/** The refusals and warnings for one restore, decided before anything is written. */
export function judgeHarm(i: HarmInput): { refusals: Refusal[]; warnings: string[] } {
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const same = i.cluster?.same ?? false;
  if (i.restore.existingResourcePolicy === 'update' && same) {
    const scoped = clusterScopedInReach(i.reach.items, i.restore, i.namespaces).map((x) => `${x.kind} ${x.name}`);
    if (scoped.length && i.restore.allowClusterScopedUpdates)
      warnings.push(
        `existingResourcePolicy update in the source cluster ${i.targetContext} (restore.allowClusterScopedUpdates): Velero updates in place the cluster-scoped objects it restores that already exist (${some(scoped)}); any change is reported by the blast-radius check and makes the drill ERROR`,
      );
    else if (scoped.length)
      refusals.push({
        code: 'UPDATE_IN_SOURCE_CLUSTER',
        message: `existingResourcePolicy update into ${i.targetContext}, the source cluster (${i.cluster!.detail}): Velero would update in place the cluster-scoped objects of the backup that exist there (${some(scoped)}), e.g. re-point a PersistentVolume's claim at the scratch copy and leave the source's PVC Lost`,
        hint: 'set restore.existingResourcePolicy: none, exclude the cluster-scoped resources (restore.excludedResources), restore into another cluster, or set restore.allowClusterScopedUpdates: true to accept it',
      });
  }
  for (const pv of pvsInReach(i.reach.pvs, i.restore, i.namespaces)) {
    const way = pvRestoreWay(pv, i.reach.volumeInfos?.get(pv.metadata.name), i.restore.restorePVs);
    const asset = storageAsset(pv);
    if (way.way !== 'as-is' || !asset || !(asset.shared || same)) continue;
    const what = `PersistentVolume ${pv.metadata.name} (claim ${pv.spec?.claimRef?.namespace}/${pv.spec?.claimRef?.name}) would be restored as-is — ${way.why} — and point at the source's ${asset.description}${asset.shared ? '' : ` in ${i.targetContext}, the source cluster`}`;
    if (i.restore.allowSharedVolumeAssets)
      warnings.push(
        `${what}; accepted by restore.allowSharedVolumeAssets: the copy uses the production volume in place`,
      );
    else
      refusals.push({
        code: 'PV_ON_SOURCE_STORAGE',
        message: `${what}: the scratch copy would mount the production data, and a claim on it could release or rebind it`,
        hint: 'back the volume up with a snapshot or file-system backup (backup snapshotVolumes / defaultVolumesToFsBackup), leave PVs out (restore.excludedResources: [persistentvolumes, persistentvolumeclaims]), or set restore.allowSharedVolumeAssets: true if sharing that storage is intended',
      });
  }
  return { refusals, warnings };
}

/** The refusals as one input error (exit 2): every reason in the message, every fix in the hint. */
export function refusalError(refusals: Refusal[]) {
  return inputError(
    refusals[0]!.code,
    `the drill refuses a restore known to harm the source: ${refusals.map((r) => r.message).join('; ')}`,
    [...new Set(refusals.map((r) => r.hint))].join('; or '),
  );
}

/**
 * The backup's resource list, and — only when it holds PVs — their objects from the tarball and the volume infos.
 * A large backup without PVs costs one small file.
 */
export async function reachOf(src: ContentsSource, backupName: string): Promise<BackupReach> {
  const list = await readBackupList(src, backupName);
  const hasPvs = list.items.some((i) => i.kind === 'PersistentVolume' && i.namespace === null);
  if (!hasPvs) return { items: list.items, pvs: [], volumeInfos: null, via: list.via };
  const { stream, what } = await openBackupContents(src, backupName);
  const pvs = (await readBackupItems(stream, new Set(['persistentvolumes']), null, what)).map((x) => x.object);
  const infos = await readBackupVolumeInfos(src, backupName);
  const volumeInfos = infos && volumeMethods(infos);
  return { items: list.items, pvs, volumeInfos, via: list.via };
}
