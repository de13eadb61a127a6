/**
 * After the restore: how each restored volume's data came back (report.restore.volumes), from Velero's backup and
 * restore volume info (velero/backup-reading.ts) and the live PodVolumeRestores / DataDownloads, read before
 * teardown removes the Restore they belong to; velero/volume-proof.ts joins them.
 */
import { readBackupVolumeInfos, readRestoreVolumeInfos } from '../velero/backup-reading.js';
import { listDataMovers } from '../velero/restore-volumes.js';
import { proveVolumes } from '../velero/volume-proof.js';
import { drillLabels, type DrillContext } from './context.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function proveRestoredVolumes(ctx: DrillContext): Promise<void> {
  const { plan, rec } = ctx;
  const gw = ctx.target!.gateway;
  const vns = ctx.target!.veleroNamespace;
  // The target has the Backup (synced to its BSL): its Velero signs the URLs for the backup's and restore's files.
  const src = {
    storage: ctx.storage ?? null,
    gateway: gw,
    veleroNamespace: vns,
    labels: drillLabels(plan),
    signal: ctx.signal,
  };
  const backupName = ctx.backup!.metadata.name;
  let backup = null;
  let unreadable: string | null = null;
  try {
    backup = await readBackupVolumeInfos(src, backupName);
    if (!backup) unreadable = `backup ${backupName} has no volume info file (Velero older than 1.13?)`;
  } catch (e) {
    unreadable = message(e);
  }
  let restore = null;
  try {
    restore = await readRestoreVolumeInfos(src, plan.restore.name, backupName);
    if (!restore) rec.event('warn', `restore ${plan.restore.name} has no volume info file (Velero older than 1.13?)`);
  } catch (e) {
    rec.event('warn', `could not read the restore's volume info: ${message(e)}`);
  }
  const { movers, problems } = await listDataMovers(gw, vns, plan.restore.name);
  for (const p of problems) rec.event('warn', p);

  const items = ctx.owned.restoredItems;
  if (!items)
    rec.event('warn', 'the restored resource list is unknown: restored claims without volume info are not checked');
  const volumes = proveVolumes({
    mapping: ctx.namespaceMapping,
    backup,
    backupUnreadable: unreadable,
    restore,
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
