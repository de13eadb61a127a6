import type { KubeGateway } from '../kube/gateway.js';
import type { ObjectRef } from '../kube/types.js';
import { waitFor, type WaitOptions } from '../kube/wait.js';
import { VELERO_API, isTerminalRestorePhase, type VeleroRestore } from './types.js';

/** The Restore the drill creates. */
export interface NewRestore {
  name: string;
  veleroNamespace: string;
  backupName: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  namespaceMapping: Record<string, string>;
  labelSelector: Record<string, string> | null;
  restorePVs: boolean;
  existingResourcePolicy: 'none' | 'update';
  labels: Record<string, string>;
  /** A resource-modifier ConfigMap in the Velero namespace (spec.resourceModifier); absent/null: none. */
  resourceModifier?: string | null;
}

/** The Restore CR as Velero expects it; empty lists are left out so Velero's defaults apply. */
export function restoreManifest(r: NewRestore): VeleroRestore {
  const nonEmpty = (k: string, v: string[]) => (v.length ? { [k]: v } : {});
  const mapping = Object.fromEntries(Object.entries(r.namespaceMapping).filter(([s, t]) => s !== t));
  return {
    apiVersion: VELERO_API,
    kind: 'Restore',
    metadata: { name: r.name, namespace: r.veleroNamespace, labels: r.labels },
    spec: {
      backupName: r.backupName,
      ...nonEmpty('includedNamespaces', r.includedNamespaces),
      ...nonEmpty('excludedNamespaces', r.excludedNamespaces),
      ...nonEmpty('includedResources', r.includedResources),
      ...nonEmpty('excludedResources', r.excludedResources),
      ...(Object.keys(mapping).length ? { namespaceMapping: mapping } : {}),
      ...(r.labelSelector ? { labelSelector: { matchLabels: r.labelSelector } } : {}),
      restorePVs: r.restorePVs,
      existingResourcePolicy: r.existingResourcePolicy,
      // Velero compares the kind case-insensitively with "configmap" and reads the map from the Restore's namespace.
      ...(r.resourceModifier ? { resourceModifier: { kind: 'ConfigMap', name: r.resourceModifier } } : {}),
    },
  };
}

export async function createRestore(gw: KubeGateway, r: NewRestore): Promise<VeleroRestore> {
  return (await gw.create(restoreManifest(r))) as VeleroRestore;
}

export function restoreObservation(r: VeleroRestore | undefined, name: string): string {
  if (!r) return `Restore ${name} not found`;
  const s = r.status ?? {};
  const items = s.progress?.totalItems ? `, ${s.progress.itemsRestored ?? 0}/${s.progress.totalItems} items` : '';
  const counts = s.warnings || s.errors ? `, ${s.warnings ?? 0} warnings, ${s.errors ?? 0} errors` : '';
  return `Restore ${name} is ${s.phase || 'New'}${items}${counts}`;
}

/**
 * Waits for a terminal phase. `onStarted` fires once Velero has picked the restore up (startTimestamp set or a
 * phase past New), which splits the restore into queued and running.
 */
export async function waitRestoreTerminal(
  gw: KubeGateway,
  ns: string,
  name: string,
  opts: WaitOptions & { onStarted?: (r: VeleroRestore) => void },
): Promise<VeleroRestore> {
  let started = false;
  const { verdict } = await waitFor<VeleroRestore>(
    gw,
    { apiVersion: VELERO_API, kind: 'Restore', namespace: ns, name },
    (objs) => {
      const r = objs[0] as VeleroRestore | undefined;
      if (r && !started && (r.status?.startTimestamp || (r.status?.phase && r.status.phase !== 'New'))) {
        started = true;
        opts.onStarted?.(r);
      }
      return isTerminalRestorePhase(r?.status?.phase)
        ? { state: 'done', observation: restoreObservation(r, name), value: r }
        : { state: 'waiting', observation: restoreObservation(r, name) };
    },
    opts,
  );
  return verdict.value!;
}

/** A Restore by name, as the API server has it now; null when it is gone. */
export async function getRestore(
  gw: KubeGateway,
  veleroNamespace: string,
  name: string,
): Promise<VeleroRestore | null> {
  return (await gw.get(restoreRef(veleroNamespace, name))) as VeleroRestore | null;
}

/** Restores (in every namespace) matching a label selector. */
export async function listRestores(gw: KubeGateway, labelSelector: string): Promise<VeleroRestore[]> {
  return (await gw.list({ apiVersion: VELERO_API, kind: 'Restore', labelSelector })).items as VeleroRestore[];
}

/** How to name a Restore to the API server (to get or delete it). */
export function restoreRef(veleroNamespace: string, name: string): ObjectRef {
  return { apiVersion: VELERO_API, kind: 'Restore', namespace: veleroNamespace, name };
}
