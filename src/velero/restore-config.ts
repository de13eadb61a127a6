/**
 * The Velero configuration a cross-region restore needs, as objects: the change-storage-class plugin ConfigMap
 * and a resource-modifier ConfigMap for the Restore's spec.resourceModifier (Velero v1.17:
 * pkg/restore/actions/change_storageclass_action.go, internal/resourcemodifiers). Pure, except nothing: the engine
 * decides when to create them.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { objectName } from './names.js';
import { POD_SPEC_PATHS, ZONE_KEYS, type ZoneSite } from './volume-facts.js';

/**
 * Velero finds the change-storage-class config by these labels (common.GetPluginConfig); with more than one
 * matching ConfigMap it fails every PV, PVC and StatefulSet item of every restore, so there must be at most one.
 */
export const CHANGE_STORAGE_CLASS_LABELS = {
  'velero.io/plugin-config': '',
  'velero.io/change-storage-class': 'RestoreItemAction',
} as const;
export const CHANGE_STORAGE_CLASS_SELECTOR = 'velero.io/plugin-config,velero.io/change-storage-class=RestoreItemAction';
/** Velero reads the single data key of a resource-modifier ConfigMap, whatever its name. */
export const RESOURCE_MODIFIER_KEY = 'resource-modifiers.yaml';

/** A Velero resource-modifier rule (internal/resourcemodifiers ResourceModifierRule, version v1). */
export interface ModifierRule {
  conditions: {
    groupResource: string;
    resourceNameRegex?: string;
    namespaces?: string[];
    labelSelector?: Record<string, unknown>;
    matches?: Array<{ path: string; value: string }>;
  };
  patches?: Array<{ operation: string; path: string; from?: string; value?: string }>;
  mergePatches?: Array<{ patchData: string }>;
  strategicPatches?: Array<{ patchData: string }>;
}

export const changeStorageClassName = (drillId: string) => objectName('dr-drill', drillId, 'change-storage-class');
export const resourceModifierName = (drillId: string) => objectName('dr-drill', drillId, 'resource-modifiers');

export function changeStorageClassConfigMap(
  name: string,
  veleroNamespace: string,
  mapping: Record<string, string>,
  labels: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: veleroNamespace, labels: { ...labels, ...CHANGE_STORAGE_CLASS_LABELS } },
    data: { ...mapping },
  };
}

export function resourceModifierConfigMap(
  name: string,
  veleroNamespace: string,
  rules: ModifierRule[],
  labels: Record<string, string>,
): KubeObject {
  // JSON is YAML: Velero decodes the value with sigs.k8s.io/yaml UnmarshalStrict, and JSON cannot be misread.
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: veleroNamespace, labels },
    data: { [RESOURCE_MODIFIER_KEY]: JSON.stringify({ version: 'v1', resourceModifierRules: rules }, null, 2) },
  };
}

/** What to do about the change-storage-class ConfigMap, decided before anything is written. */
export type StorageClassDecision =
  | { action: 'none' }
  | { action: 'create'; mapping: Record<string, string> }
  /** An existing ConfigMap (not this drill's) applies; it already maps what the scenario needs, or the scenario needs nothing. */
  | { action: 'use-existing'; name: string; mapping: Record<string, string>; owner: string | null }
  | { action: 'refuse'; message: string; hint: string };

/** The change-storage-class decision for a target's Velero namespace, from the ConfigMaps it has now. */
export async function storageClassDecisionIn(
  gw: KubeGateway,
  veleroNamespace: string,
  wanted: Record<string, string>,
): Promise<StorageClassDecision> {
  const existing = (
    await gw.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: veleroNamespace,
      labelSelector: CHANGE_STORAGE_CLASS_SELECTOR,
    })
  ).items;
  return decideStorageClassConfig(existing, wanted, `${gw.context}/${veleroNamespace}`);
}

/** A class mapping for people: `a → b, c → d`, or `nothing`. */
export const describeMapping = (mapping: Record<string, string>): string =>
  Object.entries(mapping)
    .map(([from, to]) => `${from} → ${to}`)
    .join(', ') || 'nothing';

/**
 * The cluster's change-storage-class config is shared by every restore in it, so the drill never changes one it
 * does not own: it uses it when it already maps each wanted class the same way, and refuses otherwise.
 */
export function decideStorageClassConfig(
  existing: KubeObject[],
  wanted: Record<string, string>,
  where: string,
): StorageClassDecision {
  const needs = Object.keys(wanted).length > 0;
  const names = existing.map((c) => c.metadata.name).sort();
  if (existing.length > 1) {
    return {
      action: 'refuse',
      message: `${where} has ${existing.length} change-storage-class ConfigMaps (${names.join(', ')}): Velero fails every PV, PVC and StatefulSet item while more than one exists`,
      hint: `keep one ConfigMap labelled ${CHANGE_STORAGE_CLASS_SELECTOR} in ${where}`,
    };
  }
  const cm = existing[0];
  if (!cm) return needs ? { action: 'create', mapping: { ...wanted } } : { action: 'none' };
  const data = (cm.data ?? {}) as Record<string, string>;
  const owner = cm.metadata.labels?.['dr-drill.io/drill-id'] ?? null;
  const wrong = Object.entries(wanted).filter(([from, to]) => data[from] !== to);
  if (!wrong.length) return { action: 'use-existing', name: cm.metadata.name, mapping: { ...data }, owner };
  const detail = wrong
    .map(
      ([from, to]) => `${from} → ${to} (it has ${data[from] === undefined ? 'no mapping' : `${from} → ${data[from]}`})`,
    )
    .join(', ');
  return {
    action: 'refuse',
    message: `the change-storage-class ConfigMap ${cm.metadata.name} in ${where} ${owner ? `was left by drill ${owner}` : "is not the drill's"} and does not map ${detail}; the drill never modifies Velero configuration it does not own`,
    hint: owner
      ? `run dr-drill cleanup --drill-id ${owner}, or make spec.restore.storageClassMapping agree with it`
      : `add the mappings to ConfigMap ${cm.metadata.name} (kubectl edit), or make spec.restore.storageClassMapping agree with it`,
  };
}

/** Velero's JSON patch value is text: a quoted string stays a string even when it looks like a number ("1"). */
const text = (v: string) => `"${v}"`;

/**
 * Rules that rewrite zones for the target region, generated from the backup's own zone sites.
 *
 * Why exact pointers: a zone value sits inside lists (nodeSelectorTerms[i].matchExpressions[j].values[k]), and
 * JSON patch cannot address "the element equal to X". The backup holds the objects Velero will restore, so
 * their pointers are known. Each rule is keyed by (resource, pointer, zone) rather than by object name, and
 * guarded by `matches` on the expression's key and the old value: Velero skips a rule whose conditions do not
 * hold instead of failing the item (a `replace` at a missing path would be an item error), and a PV Velero
 * renames (velero-clone-…) still matches. Many objects sharing a shape share one rule.
 *
 * dropNodeAffinity uses merge patches with null, which remove a key and are a no-op where it is absent, so one
 * rule per resource covers every object. Rules come before the scenario's own, which can then refine them.
 */
export function zoneRules(
  sites: ZoneSite[],
  zoneMap: Record<string, string>,
  dropNodeAffinity: boolean,
  namespaces: string[],
): ModifierRule[] {
  const rules: ModifierRule[] = [];
  const seen = new Set<string>();
  for (const s of sites) {
    const to = zoneMap[s.zone];
    if (to === undefined) continue;
    const id = `${s.groupResource}|${s.path}|${s.zone}`;
    if (seen.has(id)) continue;
    seen.add(id);
    rules.push({
      conditions: {
        groupResource: s.groupResource,
        ...(s.namespace !== null ? { namespaces: [...namespaces] } : {}),
        matches: [
          ...(s.keyPath ? [{ path: s.keyPath, value: text(s.key) }] : []),
          { path: s.path, value: text(s.zone) },
        ],
      },
      patches: [{ operation: 'replace', path: s.path, value: text(to) }],
    });
  }
  if (dropNodeAffinity) {
    const zoneNulls = Object.fromEntries(ZONE_KEYS.map((k) => [k, null]));
    rules.push({
      conditions: { groupResource: 'persistentvolumes' },
      mergePatches: [{ patchData: JSON.stringify({ spec: { nodeAffinity: null } }) }],
    });
    for (const [gr, path] of Object.entries(POD_SPEC_PATHS)) {
      // Built inside out along the pod spec's path: {spec: {template: {spec: {...}}}}.
      const patch = path.reduceRight<Record<string, unknown>>((inner, seg) => ({ [seg]: inner }), {
        affinity: { nodeAffinity: null },
        nodeSelector: zoneNulls,
      });
      rules.push({
        conditions: { groupResource: gr, namespaces: [...namespaces] },
        mergePatches: [{ patchData: JSON.stringify(patch) }],
      });
    }
  }
  return rules;
}
