/**
 * The cross-region part of `plan`'s preflight: the backup's storage classes and zones against the target, after
 * the scenario's mappings, and the change-storage-class ConfigMap question. For an AKS target that does not
 * exist yet, the target is its node pools' zones and AKS's built-in storage classes.
 */
import { describeWithHint } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan } from '../plan/types.js';
import { describeMapping, storageClassDecisionIn } from '../velero/restore-config.js';
import type { VeleroBackup } from '../velero/types.js';
import type { VolumeFacts } from '../velero/volume-facts.js';
import { LazyStorage } from './drill-storage.js';
import { backupFacts, liveFacts } from './cross-region.js';
import { aksInventory, clusterInventory, readinessWarnings, type TargetInventory } from './readiness.js';
import type { PreflightCheck } from './preflight-check.js';

const NAME = 'cross-region readiness';

export async function crossRegionChecks(
  plan: DrillPlan,
  source: KubeGateway | null,
  target: KubeGateway | null,
  backup: VeleroBackup | null,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const wanted = plan.restore.crossRegion?.storageClassMapping ?? {};
  if (target) {
    try {
      const d = await storageClassDecisionIn(target, plan.target.veleroNamespace, wanted);
      if (d.action === 'refuse')
        checks.push({ name: 'change-storage-class config', status: 'error', detail: `${d.message} — hint: ${d.hint}` });
      else if (d.action === 'use-existing')
        checks.push({
          name: 'change-storage-class config',
          status: Object.keys(wanted).length ? 'ok' : 'warn',
          detail: `existing ConfigMap ${d.name} applies to the restore: ${describeMapping(d.mapping)}`,
        });
      else if (d.action === 'create')
        checks.push({
          name: 'change-storage-class config',
          status: 'ok',
          detail: 'none in the target; the drill creates its own for the restore and removes it at teardown',
        });
    } catch (e) {
      checks.push({ name: 'change-storage-class config', status: 'error', detail: describeWithHint(e) });
    }
  }

  const included = plan.restore.includedNamespaces ?? backup?.spec?.includedNamespaces ?? [];
  let facts: VolumeFacts;
  let what: string;
  try {
    if (plan.backup.mode === 'create') {
      if (!source) return [...checks, { name: NAME, status: 'info', detail: 'skipped: the source is not reachable' }];
      facts = await liveFacts(source, included);
      what = `the live objects of ${included.join(', ')} in ${source.context} (the backup is taken at run time)`;
    } else {
      if (!backup)
        return [
          ...checks,
          { name: NAME, status: 'info', detail: 'skipped: no backup selected; run checks it at prepare-target' },
        ];
      // Reading through spec.storage creates nothing; a DownloadRequest is the one object plan creates (and deletes), as `velero backup describe --details` does.
      const read = await backupFacts(
        {
          storage: plan.storage ? new LazyStorage(plan.storage) : null,
          gateway: source,
          veleroNamespace: plan.source.veleroNamespace,
          labels: { 'dr-drill.io/scenario': plan.scenario.name },
        },
        backup.metadata.name,
        included,
      );
      facts = read.facts;
      what = `backup ${backup.metadata.name} (read via ${read.via})`;
    }
  } catch (e) {
    return [
      ...checks,
      { name: NAME, status: 'info', detail: `skipped: could not read the backup's volumes: ${describeWithHint(e)}` },
    ];
  }

  let inventory: TargetInventory;
  try {
    if (plan.target.aks) inventory = aksInventory(plan.target.aks);
    else if (target) inventory = await clusterInventory(target);
    else return [...checks, { name: NAME, status: 'info', detail: 'skipped: the target is not reachable' }];
  } catch (e) {
    return [
      ...checks,
      {
        name: NAME,
        status: 'info',
        detail: `skipped: could not list the target's storage classes and nodes: ${describeWithHint(e)}`,
      },
    ];
  }
  const warnings = readinessWarnings(facts, plan.restore.crossRegion, inventory);
  if (!warnings.length) {
    checks.push({
      name: NAME,
      status: 'ok',
      detail: `${facts.pvcs.length} PVC(s), ${facts.pvs.length} PV(s) and ${facts.zoneSites.length} zone reference(s) of ${what} fit ${inventory.where}`,
    });
  }
  for (const w of warnings) checks.push({ name: NAME, status: 'warn', detail: w });
  return checks;
}
