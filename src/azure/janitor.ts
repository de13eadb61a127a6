/**
 * The janitor: drill clusters whose dr-drill-expires tag is past (a `--keep`, a crashed drill, a teardown that
 * could not finish) are found by tag and deleted. Clusters without the drill tags are never touched, nor are
 * clusters ARM says another identity created (systemData.createdBy): a tag is easy to copy, the creator is not.
 */
import type { ManagedCluster } from '@azure/arm-containerservice';
import { AKS_TAGS } from '../plan/aks-plan.js';
import { mapArmError } from './arm-errors.js';
import type { AksClusters } from './aks-cluster.js';
import { createdBy, type ArmIdentity } from './ownership.js';
import { describeError } from '../util/errors.js';

/** One drill cluster the janitor looked at. */
export interface JanitorEntry {
  resourceGroup: string;
  name: string;
  drillId: string;
  scenario: string | null;
  expires: string | null;
  expired: boolean;
  /** systemData.createdBy as ARM reports it; null when ARM does not say. */
  createdBy: string | null;
  action: 'deleted' | 'would-delete' | 'kept' | 'failed';
  /** Why an expired cluster is kept; null otherwise. */
  reason: string | null;
  error: string | null;
}

/** The resource group part of an ARM id. */
function resourceGroupOf(id: string | undefined): string {
  return /\/resourcegroups\/([^/]+)/i.exec(id ?? '')?.[1] ?? '';
}

/**
 * Lists drill clusters (by tag) and deletes the expired ones that `runner` created, unless dryRun. An unparsable
 * expiry is kept.
 */
export async function runJanitor(
  clusters: AksClusters,
  opts: { now: Date; dryRun: boolean; resourceGroup?: string; onProgress?: (m: string) => void; runner: ArmIdentity },
): Promise<JanitorEntry[]> {
  const found: ManagedCluster[] = [];
  try {
    const it = opts.resourceGroup
      ? clusters.client.managedClusters.listByResourceGroup(opts.resourceGroup)
      : clusters.client.managedClusters.list();
    for await (const mc of it) found.push(mc);
  } catch (e) {
    throw mapArmError(
      e,
      `list managed clusters in subscription ${clusters.subscriptionId}${opts.resourceGroup ? ` resource group ${opts.resourceGroup}` : ''}`,
    );
  }
  const entries: JanitorEntry[] = [];
  for (const mc of found) {
    const tags = mc.tags ?? {};
    const drillId = tags[AKS_TAGS.drillId];
    if (!drillId) continue;
    const expires = tags[AKS_TAGS.expires] ?? null;
    const t = expires ? Date.parse(expires) : NaN;
    const expired = Number.isFinite(t) && t <= opts.now.getTime();
    const mine = createdBy(mc.systemData, opts.runner);
    const reason = !expired
      ? null
      : mine === false
        ? `created by ${mc.systemData?.createdBy}, not by ${opts.runner.display} that runs the janitor`
        : null;
    const entry: JanitorEntry = {
      resourceGroup: resourceGroupOf(mc.id),
      name: mc.name ?? '',
      drillId,
      scenario: tags[AKS_TAGS.scenario] ?? null,
      expires,
      expired,
      createdBy: mc.systemData?.createdBy ?? null,
      action: expired && !reason ? (opts.dryRun ? 'would-delete' : 'deleted') : 'kept',
      reason,
      error: null,
    };
    if (entry.action === 'deleted') {
      opts.onProgress?.(`deleting ${entry.resourceGroup}/${entry.name} (drill ${drillId}, expired ${expires})`);
      try {
        await clusters.deleteCluster(entry.resourceGroup, entry.name);
      } catch (e) {
        entry.action = 'failed';
        entry.error = describeError(e);
      }
    }
    entries.push(entry);
  }
  return entries;
}
