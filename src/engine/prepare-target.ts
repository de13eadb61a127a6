import { inputError, describeError } from '../util/errors.js';
import { WaitTimeout } from '../kube/wait.js';
import { targets } from '../targets/index.js';
import { listBsls, requireAvailableBsl, requireVelero, storagePath, storageWhere } from '../velero/bsl.js';
import { waitBackupVisible } from '../velero/backups.js';

import { requireTargetNamespacesFree } from './target-namespaces.js';
import { backupFilesIn, drillLabels, type DrillContext } from './context.js';
import { pingVeleroServer } from '../velero/server-status.js';
import { PING_TIMEOUT_MS } from './velero-watchdog.js';
import { error, fail } from './outcome.js';
import { checkReadiness, decideRestoreConfig } from './cross-region.js';
import { compareClusters } from '../kube/cluster-identity.js';
import { judgeHarm, reachOf, refusalError } from './harm-checks.js';
import { readClock } from './clocks.js';
import { recordKubeIdentity } from './identity.js';
import { recordBlastRadius } from './blast-radius.js';
import { fenceNamespace, planIsolation, scratchNamespaceLabels } from './isolation.js';

/** Velero's backup sync ticks once a minute; two ticks and a margin. */
const SYNC_TIMEOUT_MS = 3 * 60_000;

/**
 * prepare-target: Velero ready in the target, the backup visible there through a BSL on the same storage,
 * target namespaces free — all checked before the first write — then the drill's namespaces created.
 */
export async function prepareTarget(ctx: DrillContext): Promise<void> {
  const { plan, rec } = ctx;
  const startedMono = ctx.clock.monotonicMs();
  const backup = ctx.backup!;
  const gw = ctx.gatewayFor(plan.target.kubeContext ?? plan.source.kubeContext);
  const target = targets[plan.target.kind](plan.target, gw, ctx.source);
  ctx.target = target;
  const vns = target.veleroNamespace;
  await requireVelero(gw, vns);
  // By kube-system UID: two contexts (and two URLs) can reach one cluster.
  ctx.clusterComparison = ctx.source ? await compareClusters(gw, ctx.source) : null;
  target.sameClusterAsSource = ctx.clusterComparison?.same ?? false;
  rec.report.clocks.target =
    target.sameClusterAsSource && rec.report.clocks.source
      ? rec.report.clocks.source
      : await readClock(gw, rec, 'target');
  // Same context as the source: the same user, already recorded.
  if (!target.sameClusterAsSource || gw.context !== ctx.source?.context) await recordKubeIdentity(gw, rec, 'target');

  if (target.sameClusterAsSource) {
    ctx.targetBackup = backup;
    await requireAvailableBsl(gw, vns, backup.spec?.storageLocation ?? null);
  } else {
    await checkStoragePath(ctx, backup.spec?.storageLocation ?? null);
    rec.event('info', `waiting for backup ${backup.metadata.name} to sync into ${gw.context}`);
    const syncMono = ctx.clock.monotonicMs();
    // Labelled on the timeline: the wait for Velero's backup sync (a one-minute tick) is part of a real RTO.
    const labelSync = () => {
      rec.subphase('checks', (syncMono - startedMono) / 1000);
      rec.subphase('backup-sync', (ctx.clock.monotonicMs() - syncMono) / 1000);
    };
    try {
      ctx.targetBackup = await waitBackupVisible(gw, vns, backup.metadata.name, {
        timeoutMs: SYNC_TIMEOUT_MS,
        signal: ctx.signal,
        onObservation: (o) => rec.event('info', o),
      });
    } catch (e) {
      labelSync();
      if (e instanceof WaitTimeout)
        throw error(
          `backup ${backup.metadata.name} did not appear in ${gw.context} within ${SYNC_TIMEOUT_MS / 60_000}m: ${e.observation}`,
        );
      throw e;
    }
    labelSync();
    await requireAvailableBsl(gw, vns, ctx.targetBackup.spec?.storageLocation ?? null);
  }

  const included = plan.restore.includedNamespaces ?? backup.spec?.includedNamespaces ?? [];
  if (!included.length || included.includes('*')) {
    throw inputError(
      'RESTORE_NAMESPACES_UNKNOWN',
      `backup ${backup.metadata.name} includes all namespaces; the drill needs to know which to restore`,
      'set spec.restore.includedNamespaces in the scenario',
    );
  }
  const mapping: Record<string, string> = {};
  for (const ns of included) mapping[ns] = target.mapNamespace(ns);
  ctx.namespaceMapping = mapping;
  rec.report.target = {
    ...rec.report.target,
    kind: plan.target.kind,
    kubeContext: gw.context,
    veleroNamespace: vns,
    namespaceMapping: mapping,
  };

  // Every check before the first write: the drill must never restore over its own source.
  await requireTargetNamespacesFree(gw, target, included);
  await decideRestoreConfig(ctx);
  // The first write: a ServerStatusRequest that only a running Velero server answers.
  const server = await pingVeleroServer(gw, vns, {
    timeoutMs: PING_TIMEOUT_MS,
    labels: drillLabels(plan),
    signal: ctx.signal,
  });
  rec.event('info', `Velero ${server.serverVersion} answers in ${gw.context}/${vns}`);
  await checkReadiness(ctx, included);
  await refuseKnownHarm(ctx, included);
  await planIsolation(ctx);
  for (const dst of Object.values(mapping)) {
    await gw.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: dst, labels: scratchNamespaceLabels(ctx, dst) },
    });
    ctx.owned.namespaces.push(dst);
    rec.event('info', `created namespace ${dst} in ${gw.context}`);
    await fenceNamespace(ctx, dst);
  }
  await recordBlastRadius(ctx);
}

/**
 * A target in another cluster sees the source's backups only through a BSL of its own on the same container and
 * prefix. Checked up front, instead of waiting for a sync that can never come.
 */
async function checkStoragePath(ctx: DrillContext, sourceBslName: string | null): Promise<void> {
  const { plan } = ctx;
  const gw = ctx.target!.gateway;
  const src = ctx.source;
  if (!src) {
    if (plan.storage) await checkStorageOnlyPath(ctx, plan.storage.container, plan.storage.prefix);
    return;
  }
  const { source: srcBsl, target: match } = await storagePath(
    src,
    plan.source.veleroNamespace,
    gw,
    ctx.target!.veleroNamespace,
    sourceBslName,
  );
  if (!srcBsl) return;
  if (!match) {
    throw error(
      `no BackupStorageLocation in ${gw.context}/${ctx.target!.veleroNamespace} points at the backup's storage (${storageWhere(srcBsl)}); backup sync can never bring the backup there`,
    );
  }
  if (match.spec?.accessMode !== 'ReadOnly') {
    ctx.rec.event(
      'warn',
      `BSL ${match.metadata.name} in ${gw.context} is ${match.spec?.accessMode ?? 'ReadWrite'}; a DR cluster should read the source's storage ReadOnly`,
    );
  }
}

/**
 * A storage-only drill (no source cluster) knows the container and prefix from spec.storage: the target needs a
 * BSL there. The account is not compared (spec.storage may name it by connection string, URL or key), so a BSL
 * on a same-named container of another account passes here and is left to the sync wait.
 */
async function checkStorageOnlyPath(ctx: DrillContext, container: string, prefix: string | null): Promise<void> {
  const gw = ctx.target!.gateway;
  const vns = ctx.target!.veleroNamespace;
  const norm = (p?: string | null) => (p ?? '').replace(/^\/+|\/+$/g, '');
  const items = await listBsls(gw, vns);
  const match = items.find(
    (b) => b.spec?.objectStorage?.bucket === container && norm(b.spec?.objectStorage?.prefix) === norm(prefix),
  );
  if (!match) {
    const seen = items.map(
      (b) => `${b.metadata.name} → ${b.spec?.objectStorage?.bucket ?? '?'}/${b.spec?.objectStorage?.prefix ?? ''}`,
    );
    throw error(
      `no BackupStorageLocation in ${gw.context}/${vns} points at spec.storage (${container}/${prefix ?? ''}); backup sync can never bring the backup there` +
        (seen.length ? ` (BSLs there: ${seen.join(', ')})` : ' (there is no BSL at all)'),
    );
  }
}

/**
 * Before the first object the restore depends on: what the backup holds (its resource list; PVs and volume infos
 * when it has PVs), and the refusals for restores known to harm the source. An unreadable resource list is an
 * ERROR: without it the drill cannot tell what the restore could write.
 */
async function refuseKnownHarm(ctx: DrillContext, namespaces: string[]): Promise<void> {
  const { plan, rec } = ctx;
  const gw = ctx.target!.gateway;
  let reach;
  try {
    reach = await reachOf(backupFilesIn(ctx), ctx.backup!.metadata.name);
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    throw error(
      `cannot read backup ${ctx.backup!.metadata.name}'s resource list, so the drill cannot tell what the restore could write: ${describeError(e)}`,
    );
  }
  ctx.reach = reach;
  rec.event(
    'info',
    `read backup ${ctx.backup!.metadata.name}'s resource list via ${reach.via}: ${reach.items.length} item(s), ${reach.pvs.length} PV(s)`,
  );
  const { refusals, warnings } = judgeHarm({
    restore: plan.restore,
    namespaces,
    cluster: ctx.clusterComparison ?? null,
    targetContext: gw.context,
    reach,
  });
  for (const w of warnings) rec.event('warn', w);
  if (refusals.length) throw refusalError(refusals);
}
