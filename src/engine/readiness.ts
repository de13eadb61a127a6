/**
 * Cross-region readiness: would the backup's volumes and pinned workloads find their storage classes and zones
 * in the target, once the scenario's mappings are applied? Pure — `plan` (before anything exists) and `run`
 * (at prepare-target) feed it the backup's facts and what the target has. Each warning names the objects, the
 * class or zone, and the mapping to add.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { AksTargetPlan, CrossRegionPlan } from '../plan/types.js';
import { WORKLOADS, type VolumeFacts } from '../velero/volume-facts.js';

/** What the target offers; null: unknown (not checked). */
export interface TargetInventory {
  /** The target, for messages (a kube context, or "AKS cluster <name> in <location>"). */
  where: string;
  storageClasses: string[] | null;
  zones: string[] | null;
}

/**
 * AKS's built-in storage classes (learn.microsoft.com/azure/aks/concepts-storage, "Storage classes"): the CSI
 * classes and the legacy names AKS keeps pointing at the CSI drivers. A cluster may have more (installed by
 * add-ons or the team's own manifests), which is why a class missing here is a warning, not an error.
 */
export const AKS_BUILTIN_STORAGE_CLASSES = [
  'default',
  'managed',
  'managed-csi',
  'managed-premium',
  'managed-csi-premium',
  'azurefile',
  'azurefile-csi',
  'azurefile-premium',
  'azurefile-csi-premium',
] as const;

/** An AKS target before it exists: built-in classes, and zones `<location>-<n>` from the node pools' zones. */
export function aksInventory(aks: AksTargetPlan): TargetInventory {
  const zones = [...new Set(aks.nodePools.flatMap((p) => p.zones.map((z) => `${aks.location}-${z}`)))].sort();
  return {
    where: `AKS cluster ${aks.clusterName} in ${aks.location} (not created yet)`,
    storageClasses: [...AKS_BUILTIN_STORAGE_CLASSES],
    zones,
  };
}

/** A live target: its StorageClasses and its nodes' topology.kubernetes.io/zone labels. */
export async function clusterInventory(gw: KubeGateway): Promise<TargetInventory> {
  const classes = (await gw.list({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' })).items
    .map((c) => c.metadata.name)
    .sort();
  const nodes = (await gw.list({ apiVersion: 'v1', kind: 'Node' })).items;
  const zones = [
    ...new Set(nodes.map((n) => n.metadata.labels?.['topology.kubernetes.io/zone']).filter((z): z is string => !!z)),
  ].sort();
  return { where: gw.context, storageClasses: classes, zones };
}

const MAX_NAMED = 5;
function listed(names: string[]): string {
  const head = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${head} and ${names.length - MAX_NAMED} more` : head;
}
const orNone = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');

/** Readiness warnings, one per missing class or zone (objects grouped under it). */
export function readinessWarnings(
  facts: VolumeFacts,
  config: CrossRegionPlan | undefined,
  target: TargetInventory,
): string[] {
  const warnings: string[] = [];
  const classMap = config?.storageClassMapping ?? {};
  const zoneMap = config?.zoneMap ?? {};
  const drop = config?.dropNodeAffinity ?? false;

  if (target.storageClasses) {
    const have = new Set(target.storageClasses);
    const users = new Map<string, string[]>();
    const use = (cls: string | null, who: string) => {
      if (!cls) return; // "" or none: a static volume with no class, or the target's default class
      const list = users.get(cls) ?? [];
      list.push(who);
      users.set(cls, list);
    };
    for (const c of facts.pvcs) use(c.storageClass, `PVC ${c.namespace}/${c.name}`);
    for (const v of facts.pvs) use(v.storageClass, `PV ${v.name}`);
    for (const t of facts.claimTemplates)
      use(t.storageClass, `StatefulSet ${t.namespace}/${t.statefulSet} claim template ${t.template}`);
    for (const [cls, who] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
      const mapped = classMap[cls];
      if (mapped !== undefined) {
        if (!have.has(mapped)) {
          warnings.push(
            `storage class ${mapped} (spec.restore.storageClassMapping ${cls} → ${mapped}, used by ${listed(who)}) does not exist in ${target.where}: Velero's change-storage-class action fails each item that uses it; target classes: ${orNone(target.storageClasses)}`,
          );
        }
      } else if (!have.has(cls)) {
        warnings.push(
          `storage class ${cls} (${listed(who)}) does not exist in ${target.where}; add spec.restore.storageClassMapping: {${cls}: <one of ${orNone(target.storageClasses)}>}`,
        );
      }
    }
  }

  if (target.zones) {
    const have = new Set(target.zones);
    const users = new Map<string, Set<string>>();
    // With dropNodeAffinity every zone constraint the drill knows is removed: none is left to check.
    for (const s of drop ? [] : facts.zoneSites) {
      const kind =
        s.groupResource === 'persistentvolumes' ? 'PV' : (WORKLOADS[s.groupResource]?.kind ?? s.groupResource);
      const who = s.namespace ? `${kind} ${s.namespace}/${s.name}` : `${kind} ${s.name}`;
      const set = users.get(s.zone) ?? new Set<string>();
      set.add(who);
      users.set(s.zone, set);
    }
    for (const [zone, whoSet] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
      const who = [...whoSet];
      const mapped = zoneMap[zone];
      if (mapped !== undefined) {
        if (!have.has(mapped)) {
          warnings.push(
            `zone ${mapped} (spec.restore.zones.map ${zone} → ${mapped}, used by ${listed(who)}) is not a zone of ${target.where}'s nodes (${orNone(target.zones)}): pods bound to it stay Pending`,
          );
        }
      } else if (!have.has(zone)) {
        warnings.push(
          `zone ${zone} (node affinity or nodeSelector of ${listed(who)}) is not a zone of ${target.where}'s nodes (${orNone(target.zones)}): pods bound to it stay Pending; add spec.restore.zones.map: {${zone}: <one of ${orNone(target.zones)}>} or zones.dropNodeAffinity: true`,
        );
      }
    }
  }
  return warnings;
}
