/**
 * Cross-region readiness in a drill: what the backup's volumes need (read from the backup's contents), what the
 * target has, the warnings in between, and the Velero configuration that bridges them (change-storage-class and
 * resource-modifier ConfigMaps). Decisions that can refuse the drill are taken before its first write.
 */
import { inputError, describeError } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { readBackupItems } from '../velero/backup-contents.js';
import {
  changeStorageClassConfigMap,
  changeStorageClassName,
  describeMapping,
  resourceModifierConfigMap,
  resourceModifierName,
  storageClassDecisionIn,
  zoneRules,
  type ModifierRule,
  type StorageClassDecision,
} from '../velero/restore-config.js';
import { FACT_RESOURCES, WORKLOADS, volumeFacts, type BackupItem, type VolumeFacts } from '../velero/volume-facts.js';
import { backupFilesIn, drillLabels, type DrillContext } from './context.js';
import { openBackupContents, type ContentsSource } from '../velero/backup-reading.js';

export type { ContentsSource } from '../velero/backup-reading.js';
import { clusterInventory, readinessWarnings } from './readiness.js';
import { error } from './outcome.js';

/** The backup's storage and placement facts, from its tarball (only the namespaces to be restored). */
export async function backupFacts(
  src: ContentsSource,
  backupName: string,
  namespaces: string[],
): Promise<{ facts: VolumeFacts; via: string }> {
  const { stream, via, what } = await openBackupContents(src, backupName);
  return { facts: volumeFacts(await readBackupItems(stream, FACT_RESOURCES, new Set(namespaces), what)), via };
}

/**
 * The same facts from the live source (plan, when the drill will take the backup itself): PVCs, the PVs bound to
 * them and the workloads of the namespaces, as a backup taken now would hold them.
 */
export async function liveFacts(gw: KubeGateway, namespaces: string[]): Promise<VolumeFacts> {
  const items: BackupItem[] = [];
  const add = (groupResource: string, o: KubeObject) =>
    items.push({ groupResource, namespace: o.metadata.namespace ?? null, name: o.metadata.name, object: o });
  for (const ns of namespaces) {
    for (const pvc of (await gw.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns })).items) {
      add('persistentvolumeclaims', pvc);
      const pv = pvc.spec?.volumeName
        ? await gw.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvc.spec.volumeName })
        : null;
      if (pv) add('persistentvolumes', pv);
    }
    for (const [gr, { apiVersion, kind }] of Object.entries(WORKLOADS)) {
      for (const o of (await gw.list({ apiVersion, kind, namespace: ns })).items) add(gr, o);
    }
  }
  return volumeFacts(items);
}

/**
 * Before the first write: the change-storage-class ConfigMap question. A conflict with Velero configuration the
 * drill does not own is an input error (exit 2): the scenario and the cluster disagree, and nothing was created.
 */
export async function decideRestoreConfig(ctx: DrillContext): Promise<void> {
  const gw = ctx.target!.gateway;
  const vns = ctx.target!.veleroNamespace;
  const wanted = ctx.plan.restore.crossRegion?.storageClassMapping ?? {};
  const decision = await storageClassDecisionIn(gw, vns, wanted);
  if (decision.action === 'refuse') throw inputError('STORAGE_CLASS_CONFIG_CONFLICT', decision.message, decision.hint);
  if (decision.action === 'use-existing') {
    ctx.rec.event(
      Object.keys(wanted).length ? 'info' : 'warn',
      `the change-storage-class ConfigMap ${decision.name} in ${gw.context}/${vns} (${decision.owner ? `left by drill ${decision.owner}` : "not the drill's"}) applies to this restore: ${describeMapping(decision.mapping)}`,
    );
  }
  ctx.restoreConfig = { storageClass: decision, rules: [], generatedRules: 0 };
}

/**
 * After the first write, before the restore: read the backup's facts, record readiness warnings, and generate the
 * zone rules. Without zone mappings an unreadable backup only costs the warnings; with them it is an ERROR, since
 * the rules cannot be made.
 */
export async function checkReadiness(ctx: DrillContext, namespaces: string[]): Promise<void> {
  const { plan, rec } = ctx;
  const cr = plan.restore.crossRegion;
  const gw = ctx.target!.gateway;
  const state = ctx.restoreConfig ?? { storageClass: { action: 'none' } as const, rules: [], generatedRules: 0 };
  ctx.restoreConfig = state;
  const needRules = Object.keys(cr?.zoneMap ?? {}).length > 0;
  // A namespace target shares the source's classes and zones: reading the backup contents (inside RTO) would
  // only confirm that, unless the scenario asked for a mapping.
  if (plan.target.kind === 'namespace' && !cr) {
    state.rules = [];
    return;
  }
  let facts: VolumeFacts | null = null;
  try {
    const read = await backupFacts(backupFilesIn(ctx), ctx.backup!.metadata.name, namespaces);
    facts = read.facts;
    rec.event(
      'info',
      `read backup contents via ${read.via}: ${facts.pvcs.length} PVC(s), ${facts.pvs.length} PV(s), ${facts.zoneSites.length} zone reference(s)`,
    );
  } catch (e) {
    const why = describeError(e);
    if (needRules)
      throw error(`cannot read backup ${ctx.backup!.metadata.name}'s contents to generate the zone rules: ${why}`);
    rec.event('warn', `could not read backup contents, cross-region readiness not checked: ${why}`);
  }
  if (facts) {
    // A warn event also lands in report.warnings, so a nightly run shows what plan would have said.
    for (const w of readinessWarnings(facts, cr, await clusterInventory(gw))) rec.event('warn', w);
  }
  const generated = facts && cr ? zoneRules(facts.zoneSites, cr.zoneMap, cr.dropNodeAffinity, namespaces) : [];
  state.rules = [...generated, ...((cr?.modifierRules ?? []) as ModifierRule[])];
  state.generatedRules = generated.length;
}

/** Creates the drill's ConfigMaps just before the Restore; returns the resource-modifier ConfigMap's name, if any. */
export async function applyRestoreConfig(ctx: DrillContext): Promise<string | null> {
  const { plan, rec } = ctx;
  const gw = ctx.target!.gateway;
  const vns = ctx.target!.veleroNamespace;
  const state = ctx.restoreConfig;
  const cr = plan.restore.crossRegion;
  const labels = drillLabels(plan);
  ctx.owned.configMaps ??= [];
  let scName: string | null = null;
  if (state?.storageClass.action === 'create') {
    scName = changeStorageClassName(plan.drillId);
    await gw.create(changeStorageClassConfigMap(scName, vns, state.storageClass.mapping, labels));
    ctx.owned.configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', namespace: vns, name: scName });
    rec.event(
      'info',
      `created change-storage-class ConfigMap ${scName} in ${gw.context}/${vns}: ${Object.entries(
        state.storageClass.mapping,
      )
        .map(([a, b]) => `${a} → ${b}`)
        .join(', ')}`,
    );
  } else if (state?.storageClass.action === 'use-existing') scName = state.storageClass.name;
  let rmName: string | null = null;
  const isolation = state?.isolationRules ?? [];
  if (state && (state.rules.length || isolation.length)) {
    rmName = resourceModifierName(plan.drillId);
    await gw.create(resourceModifierConfigMap(rmName, vns, [...state.rules, ...isolation], labels));
    ctx.owned.configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', namespace: vns, name: rmName });
    rec.event(
      'info',
      `created resource-modifier ConfigMap ${rmName} in ${gw.context}/${vns}: ${state.generatedRules} zone rule(s) generated from the backup, ${state.rules.length - state.generatedRules} from the scenario, ${isolation.length} for isolation`,
    );
  }
  if (cr || scName) {
    rec.report.restore.crossRegion = {
      storageClassConfigMap:
        state?.storageClass.action === 'create' || state?.storageClass.action === 'use-existing'
          ? {
              name: scName!,
              ownedByDrill: state.storageClass.action === 'create',
              mapping: { ...state.storageClass.mapping },
            }
          : null,
      resourceModifierConfigMap: rmName
        ? {
            name: rmName,
            generatedRules: state!.generatedRules,
            scenarioRules: state!.rules.length - state!.generatedRules,
          }
        : null,
      zoneMap: { ...(cr?.zoneMap ?? {}) },
      dropNodeAffinity: cr?.dropNodeAffinity ?? false,
    };
  }
  return rmName;
}
