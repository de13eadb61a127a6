import type { KubeGateway } from '../kube/gateway.js';
import { describeRef, type KubeObject, type ObjectRef } from '../kube/types.js';
import { waitFor, WaitTimeout } from '../kube/wait.js';
import { LABEL_DRILL_ID } from '../plan/types.js';
import { LABEL_RESTORE_NAME, validLabelValue } from '../velero/names.js';
import { restoreRef } from '../velero/restore.js';
import type { DrillRecorder } from './recorder.js';
import { describeError } from '../util/errors.js';

/** What teardown may remove: exactly what the drill owns (DESIGN "What a drill owns"). */
export interface Owned {
  drillId: string;
  namespaces: string[];
  restore: { name: string; veleroNamespace: string } | null;
  /** Cluster-scoped objects the Restore created: `(created)` entries of its resource list. */
  clusterScoped: ObjectRef[];
  /** Velero ConfigMaps the drill created for its restore (removed after the Restore: Velero reads them while it runs). */
  configMaps?: ObjectRef[];
}

/** What teardown deleted, and what it left behind with the reason (listed in the report for cleanup). */
export interface TeardownResult {
  deleted: string[];
  leftBehind: Array<{ object: string; reason: string }>;
}

/**
 * Deletes what the drill owns and waits (on watches) until it is gone, within the timeout. Never hangs: whatever
 * is still there at the deadline (e.g. a Restore whose finalizer needs a Velero server that is down) is listed
 * for `dr-drill cleanup`. Each object is re-read and its ownership label checked before it is deleted.
 */
export async function teardown(
  gw: KubeGateway,
  owned: Owned,
  timeoutMs: number,
  rec: DrillRecorder | null,
): Promise<TeardownResult> {
  const deadline = Date.now() + timeoutMs;
  const result: TeardownResult = { deleted: [], leftBehind: [] };
  const pending: Array<{ ref: ObjectRef; label: string }> = [];

  const remove = async (ref: ObjectRef, owns: (o: KubeObject) => boolean, why: string) => {
    const label = describeRef(ref);
    try {
      const o = await gw.get(ref);
      if (!o) return;
      if (!owns(o)) {
        rec?.event('warn', `left ${label} alone: ${why}`);
        return;
      }
      await gw.delete(ref);
      result.deleted.push(label);
      pending.push({ ref, label });
      rec?.event('info', `deleting ${label}`);
    } catch (e) {
      result.leftBehind.push({ object: label, reason: describeError(e) });
    }
  };

  const restoreLabel = owned.restore ? validLabelValue(owned.restore.name) : null;
  for (const ref of owned.clusterScoped) {
    await remove(
      ref,
      (o) => o.metadata.labels?.[LABEL_RESTORE_NAME] === restoreLabel,
      'it no longer carries the restore label of this drill',
    );
    if (ref.kind === 'PersistentVolume') {
      const pv = await gw.get(ref).catch(() => null);
      if (pv?.spec?.persistentVolumeReclaimPolicy === 'Retain')
        rec?.event(
          'warn',
          `PersistentVolume ${ref.name} has reclaim policy Retain: its storage asset is not deleted with it`,
        );
    }
  }
  for (const ns of owned.namespaces) {
    await remove(
      { apiVersion: 'v1', kind: 'Namespace', name: ns },
      (o) => o.metadata.labels?.[LABEL_DRILL_ID] === owned.drillId,
      `it does not carry ${LABEL_DRILL_ID}=${owned.drillId}`,
    );
  }
  if (owned.restore) {
    await remove(
      restoreRef(owned.restore.veleroNamespace, owned.restore.name),
      (o) => o.metadata.labels?.[LABEL_DRILL_ID] === owned.drillId,
      `it does not carry ${LABEL_DRILL_ID}=${owned.drillId}`,
    );
  }
  for (const ref of owned.configMaps ?? []) {
    await remove(
      ref,
      (o) => o.metadata.labels?.[LABEL_DRILL_ID] === owned.drillId,
      `it does not carry ${LABEL_DRILL_ID}=${owned.drillId}`,
    );
  }

  for (const { ref, label } of pending) {
    const left = deadline - Date.now();
    try {
      if (left <= 0) throw new WaitTimeout('teardown deadline reached', timeoutMs);
      await waitFor(
        gw,
        { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name },
        (objs) =>
          objs.length
            ? { state: 'waiting', observation: describeStuck(objs[0]) }
            : { state: 'done', observation: `${label} gone` },
        { timeoutMs: left },
      );
    } catch (e) {
      const why =
        e instanceof WaitTimeout
          ? `still present after ${Math.round(timeoutMs / 1000)}s: ${e.observation}`
          : e instanceof Error
            ? e.message
            : String(e);
      result.leftBehind.push({ object: label, reason: why });
      result.deleted.splice(result.deleted.indexOf(label), 1);
    }
  }
  return result;
}

function describeStuck(o: KubeObject): string {
  const fin = o.metadata.finalizers?.length ? ` (finalizers: ${o.metadata.finalizers.join(', ')})` : '';
  const phase = o.status?.phase ? ` ${o.status.phase}` : '';
  return o.metadata.deletionTimestamp ? `being deleted${phase}${fin}` : `not yet deleted${phase}${fin}`;
}

/**
 * Cluster-scoped objects a Restore created. From the resource list when it was archived; otherwise (the list could
 * not be read) PersistentVolumes labelled with the restore and created after it, so their disks do not leak.
 */
export async function clusterScopedCreated(
  gw: KubeGateway,
  restoreName: string,
  createdAfter: Date | null,
  items: Array<{ apiVersion: string; kind: string; namespace: string | null; name: string; action: string }> | null,
): Promise<ObjectRef[]> {
  if (items) {
    return items
      .filter((i) => i.action === 'created' && !i.namespace && i.kind !== 'Namespace')
      .map((i) => ({ apiVersion: i.apiVersion, kind: i.kind, name: i.name }));
  }
  const { items: pvs } = await gw.list({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    labelSelector: `${LABEL_RESTORE_NAME}=${validLabelValue(restoreName)}`,
  });
  return pvs
    .filter((pv) => !createdAfter || Date.parse(pv.metadata.creationTimestamp ?? '') >= createdAfter.getTime() - 1000)
    .map((pv) => ({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv.metadata.name }));
}
