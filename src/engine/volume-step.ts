/**
 * After the restore: how each restored volume's data came back (report.restore.volumes), from Velero's backup and
 * restore volume info (velero/backup-reading.ts) and the live PodVolumeRestores / DataDownloads, read before
 * teardown removes the Restore they belong to; velero/volume-proof.ts joins them. During verify, beside the
 * probes, a claim made from a snapshot must bind.
 */
import { WaitAborted, WaitFailed, WaitTimeout, waitFor } from '../kube/wait.js';
import { newestWarning } from '../probes/diagnose.js';
import { describeError } from '../util/errors.js';
import { readBackupPodVolumeBackups, readBackupVolumeInfos, readRestoreVolumeInfos } from '../velero/backup-reading.js';
import { listDataMovers } from '../velero/restore-volumes.js';
import { madeFromSnapshot, proveVolumes } from '../velero/volume-proof.js';
import { drillLabels, type DrillContext } from './context.js';

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
  let backupBasis: 'volumeinfo' | 'podvolumebackups' = 'volumeinfo';
  let unreadable: string | null = null;
  try {
    backup = await readBackupVolumeInfos(src, backupName);
    if (!backup) {
      // Velero < 1.13 wrote no volume info; its pod volume backups still say which pod volumes it copied.
      backup = await readBackupPodVolumeBackups(src, backupName);
      if (backup) {
        backupBasis = 'podvolumebackups';
        rec.event(
          'warn',
          `backup ${backupName} has no volume info file (made before Velero 1.13): its volumes are proven from its ${backup.length} pod volume backup(s); claims they do not cover are not proven`,
        );
      } else unreadable = `backup ${backupName} has no volume info file (Velero older than 1.13?)`;
    }
  } catch (e) {
    unreadable = describeError(e);
  }
  let restore = null;
  try {
    restore = await readRestoreVolumeInfos(src, plan.restore.name, backupName);
    if (!restore) rec.event('warn', `restore ${plan.restore.name} has no volume info file (Velero older than 1.13?)`);
  } catch (e) {
    rec.event('warn', `could not read the restore's volume info: ${describeError(e)}`);
  }
  const { movers, problems } = await listDataMovers(gw, vns, plan.restore.name);
  for (const p of problems) rec.event('warn', p);

  const items = ctx.owned.restoredItems;
  if (!items)
    rec.event('warn', 'the restored resource list is unknown: restored claims without volume info are not checked');
  const volumes = proveVolumes({
    mapping: ctx.namespaceMapping,
    backup,
    backupBasis,
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

/**
 * A claim made from a snapshot has no copy to watch: its data is there only if its volume was provisioned from the
 * snapshot, which the claim's binding shows. A snapshot the target cannot reach (a CSI snapshot handle of another
 * region, a deleted VolumeSnapshotContent) leaves the claim Pending while Velero says Completed. Watched for as long
 * as the probes may take, since a WaitForFirstConsumer claim binds only once its restored pod is scheduled.
 */
export async function confirmSnapshotClaims(ctx: DrillContext): Promise<void> {
  const volumes = ctx.rec.report.restore.volumes ?? [];
  const gw = ctx.target!.gateway;
  const timeoutMs = Math.max(0, ...ctx.plan.probes.map((p) => p.timeoutMs)) || 5 * 60_000;
  await Promise.all(
    volumes
      .filter((v) => madeFromSnapshot(v))
      .map(async (v) => {
        const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: v.namespace, name: v.pvc! };
        try {
          const { objects } = await waitFor(
            gw,
            ref,
            ([c]) => {
              const phase = c?.status?.phase as string | undefined;
              if (!c) return { state: 'waiting', observation: 'the claim is not in the restored copy' };
              if (phase === 'Bound') return { state: 'done', observation: 'Bound' };
              return {
                state: phase === 'Lost' ? 'failed' : 'waiting',
                observation: `the claim is ${phase ?? 'Pending'}`,
              };
            },
            { timeoutMs, signal: ctx.signal },
          );
          const pv = (objects[0]?.spec as { volumeName?: string } | undefined)?.volumeName;
          v.reason = `${v.reason}; the claim is Bound${pv ? ` to ${pv}` : ''}`;
        } catch (e) {
          if (!(e instanceof WaitTimeout || e instanceof WaitFailed || e instanceof WaitAborted)) {
            v.dataRestored = false;
            v.reason = `made from its ${v.backupMethod} snapshot, but the claim could not be read: ${describeError(e)}`;
            return;
          }
          const why = await newestWarning(gw, v.namespace, v.pvc!).catch(() => null);
          v.dataRestored = false;
          v.reason = `made from its ${v.backupMethod} snapshot, but ${e.observation}${e instanceof WaitAborted ? ' when verification stopped' : ` after ${Math.round(timeoutMs / 1000)} s`}${why ? `: ${why}` : ''}`;
        }
      }),
  );
}
