/**
 * After the restore: how each restored volume's data came back (report.restore.volumes), from Velero's backup and
 * restore volume info and the live PodVolumeRestores / DataDownloads, read before teardown removes the Restore
 * they belong to (velero/restore-volumes.ts reads, velero/volume-proof.ts joins).
 */
import {
  listDataMovers,
  readVolumeInfo,
  type BackupVolumeInfo,
  type RestoreVolumeInfo,
} from '../velero/restore-volumes.js';
import { proveVolumes } from '../velero/volume-proof.js';
import { drillLabels, type DrillContext } from './context.js';

export async function proveRestoredVolumes(ctx: DrillContext, caCertPem: string | null): Promise<void> {
  const { plan, rec } = ctx;
  const src = {
    storage: ctx.storage ?? null,
    gateway: ctx.target!.gateway,
    veleroNamespace: ctx.target!.veleroNamespace,
    caCertPem,
    labels: drillLabels(plan),
    signal: ctx.signal,
  };
  const backup = await readVolumeInfo<BackupVolumeInfo>(src, {
    kind: 'BackupVolumeInfos',
    backup: ctx.backup!.metadata.name,
  });
  const restore = await readVolumeInfo<RestoreVolumeInfo>(src, {
    kind: 'RestoreVolumeInfo',
    restore: plan.restore.name,
  });
  if (!restore.list) rec.event('warn', `could not read the restore's volume info: ${restore.why}`);
  const { movers, problems } = await listDataMovers(src.gateway, src.veleroNamespace, plan.restore.name);
  for (const p of problems) rec.event('warn', p);

  const items = ctx.owned.restoredItems;
  if (!items)
    rec.event('warn', 'the restored resource list is unknown: restored claims without volume info are not checked');
  const volumes = proveVolumes({
    mapping: ctx.namespaceMapping,
    backup: backup.list,
    backupUnreadable: backup.why,
    restore: restore.list,
    movers,
    restoredClaims: (items ?? [])
      .filter((i) => i.kind === 'PersistentVolumeClaim' && i.namespace && i.action !== 'failed')
      .map((i) => ({ namespace: i.namespace!, name: i.name })),
  });
  rec.report.restore.volumes = volumes;
  rec.journalEntry('volumes', { volumes: volumes.length, restored: volumes.filter((v) => v.dataRestored).length });
  if (plan.restore.volumeData === 'metadata-only' && volumes.length)
    rec.event(
      'warn',
      `volume data not checked (restore.volumeData: metadata-only): ${volumes.length} volume(s) restored, ${volumes.filter((v) => !v.dataRestored).length} without their data`,
    );
}
