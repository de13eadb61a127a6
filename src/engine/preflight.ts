/**
 * The read-only preflight of `dr-drill plan`: everything the drill would check before its first write, and
 * nothing that writes. Each check says what it found.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan } from '../plan/types.js';
import { isDrillError, describeWithHint } from '../util/errors.js';
import { requireAvailableBsl, requireVelero, storagePath, storageWhere } from '../velero/bsl.js';
import { backupStart, clusterCatalog, findBackup, requireRestorable, requireYoungEnough } from './backup-choice.js';
import type { VeleroBackup } from '../velero/types.js';
import { targets } from '../targets/index.js';
import { formatSeconds } from '../util/duration.js';
import { compareClusters } from '../kube/cluster-identity.js';
import { crossRegionChecks } from './preflight-readiness.js';
import { AksClusters } from '../azure/aks-cluster.js';
import { armSettings } from '../azure/arm.js';
import { harmChecks } from './preflight-harm.js';
import type { PreflightCheck } from './preflight-check.js';
import { Shortfall } from './outcome.js';
import { requireTargetNamespacesFree } from './target-namespaces.js';
import { volumeDataChecks } from './preflight-volume-data.js';

export type { PreflightCheck } from './preflight-check.js';

/**
 * How a check's error reads as `run` would end on it: a refusal (bad input, exit 2), the drill's FAIL or ERROR,
 * any other DrillError an ERROR, anything else as the check says.
 */
function statusOf(e: unknown, otherwise: 'fail' | 'error'): PreflightCheck['status'] {
  if (isDrillError(e)) return e.category === 'input' ? 'refused' : 'error';
  if (e instanceof Shortfall) return e.verdict === 'FAIL' ? 'fail' : 'error';
  return otherwise;
}

export async function preflight(
  plan: DrillPlan,
  gatewayFor: (ctx: string | null) => KubeGateway,
  now: Date,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const attempt = async (name: string, fn: () => Promise<string>, failAs: 'fail' | 'error' = 'error') => {
    try {
      checks.push({ name, status: 'ok', detail: await fn() });
      return true;
    } catch (e) {
      checks.push({ name, status: statusOf(e, failAs), detail: describeWithHint(e) });
      return false;
    }
  };
  let source: KubeGateway | null = null;
  let backup: VeleroBackup | null = null;
  const sns = plan.source.veleroNamespace;
  await attempt('source reachable, Velero installed', async () => {
    source = gatewayFor(plan.source.kubeContext);
    await requireVelero(source, sns);
    return `context ${source.context} (${source.server}), namespace ${sns}`;
  });
  if (source) {
    const src: KubeGateway = source;
    await attempt('source BackupStorageLocation Available', async () => {
      const bsl = await requireAvailableBsl(
        src,
        sns,
        plan.backup.mode === 'create' ? plan.backup.storageLocation : null,
      );
      return `${bsl.metadata.name}: ${bsl.spec?.objectStorage?.bucket}/${bsl.spec?.objectStorage?.prefix ?? ''} (${bsl.spec?.accessMode ?? 'ReadWrite'})`;
    });
    const b = plan.backup;
    await attempt(
      'backup selectable and young enough',
      async () => {
        if (b.mode === 'create') return `the drill will take backup ${b.name} of ${b.includedNamespaces.join(', ')}`;
        // T0 is now: plan asks whether a drill started now would accept the backup.
        const chosen = await findBackup(clusterCatalog(src, sns), b, null);
        backup = chosen;
        requireRestorable(chosen);
        const age = (now.getTime() - backupStart(chosen).getTime()) / 1000;
        requireYoungEnough(chosen, Math.max(0, age) * 1000, b.maxAgeMs);
        return `${chosen.metadata.name} (${chosen.status?.phase}, started ${formatSeconds(age)} ago)`;
      },
      'fail',
    );
  }
  const produced = plan.hooks?.find((h) => h.produces);
  if (produced) {
    checks.push({
      name: 'target reachable, Velero installed',
      status: 'info',
      detail: `the target cluster comes from hook ${produced.name} at run time: not checked now`,
    });
    return checks;
  }
  let target: KubeGateway | null = null;
  let sameCluster = false;
  const tns = plan.target.veleroNamespace;
  const aks = plan.target.aks;
  if (aks) {
    // The cluster does not exist before provision-target: there is no context to reach yet.
    checks.push({
      name: 'target reachable, Velero installed',
      status: 'info',
      detail: `skipped: AKS cluster ${aks.clusterName} in ${aks.location} is created by the drill; Velero, its BSL and the target namespaces are checked at prepare-target`,
    });
    // One read-only ARM GET per resource: run refuses the same conflict before it writes anything.
    try {
      const r = await new AksClusters(armSettings(), aks.subscriptionId).checkName(aks);
      checks.push({ name: 'AKS cluster name free', status: 'ok', detail: r.detail });
    } catch (e) {
      // A taken name is bad input, as run says (exit 2); an ARM failure is the check's own ERROR.
      checks.push({
        name: 'AKS cluster name free',
        status: isDrillError(e) && e.code === 'AKS_NAME_CONFLICT' ? 'refused' : 'error',
        detail: describeWithHint(e),
      });
    }
  } else
    await attempt('target reachable, Velero installed', async () => {
      target = gatewayFor(plan.target.kubeContext ?? plan.source.kubeContext);
      await requireVelero(target, tns);
      return `context ${target.context} (${target.server}), namespace ${tns}`;
    });
  if (target) {
    const tgt: KubeGateway = target;
    const t = targets[plan.target.kind](plan.target, tgt, source);
    if (source) t.sameClusterAsSource = (await compareClusters(tgt, source)).same;
    sameCluster = t.sameClusterAsSource;
    if (!t.sameClusterAsSource && source) {
      const src: KubeGateway = source;
      await attempt('target BSL on the backup storage', async () => {
        const backupBsl = (backup as VeleroBackup | null)?.spec?.storageLocation ?? null;
        const { source: srcBsl, target: match } = await storagePath(src, sns, tgt, tns, backupBsl);
        if (!srcBsl)
          return 'not checked: the source has no default BackupStorageLocation and the backup is not known yet';
        if (!match)
          throw new Error(
            `no BackupStorageLocation in the target points at the backup's storage (${storageWhere(srcBsl)}, BSL ${srcBsl.metadata.name} in the source)`,
          );
        if (match.status?.phase !== 'Available')
          throw new Error(`BSL ${match.metadata.name} is ${match.status?.phase ?? 'not validated'}`);
        return `${match.metadata.name} (${match.spec?.accessMode ?? 'ReadWrite'}, ${match.status?.phase})`;
      });
    }
    const included = plan.restore.includedNamespaces ?? (backup as VeleroBackup | null)?.spec?.includedNamespaces ?? [];
    await attempt('target namespaces free', async () => {
      if (!included.length) return 'resolved once the backup is known';
      await requireTargetNamespacesFree(tgt, t, included);
      return included.map((ns) => `${ns} → ${t.mapNamespace(ns)}`).join(', ');
    });
  }
  checks.push(...(await crossRegionChecks(plan, source, target, backup)));
  if (!aks) checks.push(...(await harmChecks(plan, source, target, backup)));
  checks.push(...(await volumeDataChecks(plan, source, target, backup, sameCluster)));
  return checks;
}
