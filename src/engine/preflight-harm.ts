/**
 * `plan` shows the refusals `run` would make before creating the Restore (harm-checks.ts), from the selected
 * backup's files, or — when the drill takes the backup itself — from the live source as a backup taken now would
 * hold it.
 */
import { describeWithHint } from '../util/errors.js';
import { compareClusters } from '../kube/cluster-identity.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import type { DrillPlan } from '../plan/types.js';
import type { ListedItem } from '../velero/restore-reach.js';
import type { VeleroBackup } from '../velero/types.js';
import { LazyStorage } from './drill-storage.js';
import { judgeHarm, reachOf, type BackupReach } from './harm-checks.js';
import type { PreflightCheck } from './preflight-check.js';

const NAME = 'restore cannot harm the source';

/** The PVs bound to the namespaces' PVCs, as a backup taken now would hold them, and its volume methods. */
async function liveReach(plan: DrillPlan, source: KubeGateway, namespaces: string[]): Promise<BackupReach> {
  const b = plan.backup;
  const method =
    b.mode !== 'create'
      ? ''
      : b.defaultVolumesToFsBackup
        ? 'PodVolumeBackup'
        : b.snapshotVolumes
          ? 'NativeSnapshot'
          : '';
  const items: ListedItem[] = [];
  const pvs: KubeObject[] = [];
  for (const ns of namespaces) {
    for (const pvc of (await source.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns })).items) {
      const pv = pvc.spec?.volumeName
        ? await source.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvc.spec.volumeName })
        : null;
      if (!pv) continue;
      pvs.push(pv);
      items.push({ apiVersion: 'v1', kind: 'PersistentVolume', namespace: null, name: pv.metadata.name });
    }
  }
  return {
    items,
    pvs,
    volumeInfos: new Map(pvs.map((p) => [p.metadata.name, method])),
    via: `the live ${source.context}`,
  };
}

export async function harmChecks(
  plan: DrillPlan,
  source: KubeGateway | null,
  target: KubeGateway | null,
  backup: VeleroBackup | null,
): Promise<PreflightCheck[]> {
  if (!target) return [{ name: NAME, status: 'info', detail: 'skipped: the target is not reachable yet' }];
  const namespaces = plan.restore.includedNamespaces ?? backup?.spec?.includedNamespaces ?? [];
  try {
    const cluster = source ? await compareClusters(target, source) : null;
    let reach: BackupReach;
    if (plan.backup.mode === 'create') {
      if (!source) return [{ name: NAME, status: 'info', detail: 'skipped: the source is not reachable' }];
      reach = await liveReach(plan, source, namespaces);
    } else {
      if (!backup) return [{ name: NAME, status: 'info', detail: 'skipped: no backup selected; run checks it' }];
      reach = await reachOf(
        {
          storage: plan.storage ? new LazyStorage(plan.storage) : null,
          gateway: source,
          veleroNamespace: plan.source.veleroNamespace,
          labels: { 'dr-drill.io/scenario': plan.scenario.name },
        },
        backup.metadata.name,
      );
    }
    const { refusals, warnings } = judgeHarm({
      restore: plan.restore,
      namespaces,
      cluster,
      targetContext: target.context,
      reach,
    });
    const checks: PreflightCheck[] = refusals.map((r) => ({
      name: NAME,
      status: 'refused',
      detail: `${r.message} (${r.code}) — hint: ${r.hint}`,
    }));
    checks.push(...warnings.map((w): PreflightCheck => ({ name: NAME, status: 'warn', detail: w })));
    if (!checks.length)
      checks.push({
        name: NAME,
        status: 'ok',
        detail: `${cluster ? cluster.detail : 'no source cluster'}; existingResourcePolicy ${plan.restore.existingResourcePolicy}; ${reach.pvs.length} PV(s) of ${reach.via}, none restored as-is onto the source's storage`,
      });
    return checks;
  } catch (e) {
    return [
      {
        name: NAME,
        status: 'error',
        detail: `could not read what the restore would write: ${describeWithHint(e)}`,
      },
    ];
  }
}
