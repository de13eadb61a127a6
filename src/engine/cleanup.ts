/**
 * `dr-drill cleanup`: removes what drills left behind (kept copies, teardown leftovers), found by the drill
 * labels and each drill Restore's `(created)` entries. Deletes exactly what teardown would have, nothing else.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { LABEL_DRILL_ID } from '../plan/types.js';
import type { VeleroRestore } from '../velero/types.js';
import { deleteDownloadRequests, downloadRestoredItems } from '../velero/download.js';
import { veleroHomes, veleroServed } from '../velero/bsl.js';
import { listRestores } from '../velero/restore.js';
import { clusterScopedCreated, teardown, type TeardownResult } from './teardown.js';

/** What `dr-drill cleanup` deleted and left behind for one drill. */
export interface CleanupResult extends TeardownResult {
  drillId: string;
}

/** Drill ids with leftovers in this cluster: from labelled namespaces, Restores and DownloadRequests. */
export async function findDrills(gw: KubeGateway): Promise<string[]> {
  const ids = new Set<string>();
  const collect = (items: KubeObject[]) =>
    items.forEach((o) => o.metadata.labels?.[LABEL_DRILL_ID] && ids.add(o.metadata.labels[LABEL_DRILL_ID]));
  collect((await gw.list({ apiVersion: 'v1', kind: 'Namespace', labelSelector: LABEL_DRILL_ID })).items);
  if (await veleroServed(gw)) {
    collect(await listRestores(gw, LABEL_DRILL_ID));
    collect(await veleroConfigMaps(gw, LABEL_DRILL_ID));
  }
  return [...ids].sort();
}

export async function cleanupDrill(gw: KubeGateway, drillId: string, timeoutMs: number): Promise<CleanupResult> {
  const sel = `${LABEL_DRILL_ID}=${drillId}`;
  const labelled = (await gw.list({ apiVersion: 'v1', kind: 'Namespace', labelSelector: sel })).items.map(
    (n) => n.metadata.name,
  );
  const hasVelero = await veleroServed(gw);
  // A namespace where Velero keeps its BackupStorageLocations is never a drill's, whatever its labels say.
  const homes = hasVelero ? await veleroHomes(gw) : new Set<string | undefined>();
  const namespaces = labelled.filter((n) => !homes.has(n));
  const restores = hasVelero ? await listRestores(gw, sel) : [];
  const out: CleanupResult = {
    drillId,
    deleted: [],
    leftBehind: labelled
      .filter((n) => homes.has(n))
      .map((n) => ({
        object: `Namespace ${n}`,
        reason:
          'Velero runs there (it holds BackupStorageLocations): cleanup never deletes it; remove its drill label by hand',
      })),
  };
  // DownloadRequests expire on their own; remove the drill's anyway.
  if (hasVelero) await deleteDownloadRequests(gw, sel);
  // The drill's Velero ConfigMaps (change-storage-class, resource modifiers), only where Velero runs.
  const configMaps = hasVelero
    ? (await veleroConfigMaps(gw, sel)).map((c) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: c.metadata.namespace!,
        name: c.metadata.name,
      }))
    : [];
  const restoreList = restores.length ? restores : [null];
  for (const [i, r] of restoreList.entries()) {
    let clusterScoped: Awaited<ReturnType<typeof clusterScopedCreated>> = [];
    if (r) {
      const items = await restoredItems(gw, r, drillId).catch(() => null);
      clusterScoped = await clusterScopedCreated(
        gw,
        r.metadata.name,
        r.metadata.creationTimestamp ? new Date(r.metadata.creationTimestamp) : null,
        items,
      );
    }
    const res = await teardown(
      gw,
      {
        drillId,
        namespaces: i === 0 ? namespaces : [],
        restore: r ? { name: r.metadata.name, veleroNamespace: r.metadata.namespace! } : null,
        clusterScoped,
        configMaps: i === 0 ? configMaps : [],
      },
      timeoutMs,
      null,
    );
    out.deleted.push(...res.deleted);
    out.leftBehind.push(...res.leftBehind);
  }
  return out;
}

/** The restore's resource list through a DownloadRequest, signed by its backup's BSL. */
async function restoredItems(gw: KubeGateway, r: VeleroRestore, drillId: string) {
  const via = {
    gateway: gw,
    veleroNamespace: r.metadata.namespace!,
    labels: { [LABEL_DRILL_ID]: drillId },
    timeoutMs: 30_000,
  };
  const backupName = (r.spec as { backupName?: string } | undefined)?.backupName;
  return downloadRestoredItems(via, r.metadata.name, { backup: backupName ?? null });
}

/** ConfigMaps matching the selector in namespaces where Velero keeps BackupStorageLocations. */
async function veleroConfigMaps(gw: KubeGateway, selector: string): Promise<KubeObject[]> {
  const homes = await veleroHomes(gw);
  return (await gw.list({ apiVersion: 'v1', kind: 'ConfigMap', labelSelector: selector })).items.filter((c) =>
    homes.has(c.metadata.namespace),
  );
}
