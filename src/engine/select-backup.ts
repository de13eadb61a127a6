import { formatSeconds } from '../util/duration.js';
import { inputError, describeError } from '../util/errors.js';
import { LABEL_SCENARIO, LABEL_TAKEN_BY } from '../plan/types.js';
import { requireAvailableBsl, requireVelero } from '../velero/bsl.js';
import { createBackup, waitBackupTerminal } from '../velero/backups.js';
import {
  backupStart,
  clusterCatalog,
  findBackup,
  requireRestorable,
  requireYoungEnough,
  storageCatalog,
} from './backup-choice.js';
import { LABEL_SCHEDULE_NAME } from '../velero/names.js';
import type { VeleroBackup } from '../velero/types.js';
import { WaitTimeout } from '../kube/wait.js';
import type { BackupStorage } from '../velero/storage/index.js';
import type { DrillContext } from './context.js';
import { error, fail } from './outcome.js';
import { prepareProbesBeforeBackup } from './canary-step.js';
import { readClock } from './clocks.js';
import { recordKubeIdentity } from './identity.js';
import { difference } from '../measure/clock-offset.js';
import { readBackupResults } from '../velero/backup-reading.js';
import { errorMessages } from '../velero/volume-errors.js';
import { drillLabels } from './context.js';
import type { PhaseEnd } from './phase.js';

/**
 * select-backup: find (or take) the backup, fix T0, and refuse a stale backup before anything is restored.
 */
export async function selectBackup(ctx: DrillContext): Promise<PhaseEnd | void> {
  const { plan, rec } = ctx;
  let backup: VeleroBackup;
  const b = plan.backup;
  if (plan.storage?.selectBackup && ctx.storage) {
    // No source cluster: the regional-outage rehearsal, where only the backup storage is left.
    rec.report.source = { kubeContext: null, veleroNamespace: null };
    backup = await selectFromStorage(ctx, ctx.storage);
    accept(ctx, backup);
    return judgePartialBackup(ctx, backup);
  }
  const source = ctx.gatewayFor(plan.source.kubeContext);
  ctx.source = source;
  const ns = plan.source.veleroNamespace;
  rec.report.source = { kubeContext: source.context, veleroNamespace: ns };
  await requireVelero(source, ns);
  // Velero's timestamps are on this cluster's clock; T0 and canary markers may be on the runner's.
  rec.report.clocks.source = await readClock(source, rec, 'source');
  await recordKubeIdentity(source, rec, 'source');

  if (b.mode === 'create') {
    await requireAvailableBsl(source, ns, b.storageLocation);
    await prepareProbesBeforeBackup(ctx, source);
    rec.event('info', `creating Backup ${b.name} of ${b.includedNamespaces.join(', ')} in ${source.context}`);
    await createBackup(source, {
      name: b.name,
      namespace: ns,
      includedNamespaces: b.includedNamespaces,
      ttl: b.ttl,
      storageLocation: b.storageLocation,
      snapshotVolumes: b.snapshotVolumes,
      defaultVolumesToFsBackup: b.defaultVolumesToFsBackup,
      labels: { [LABEL_TAKEN_BY]: plan.drillId, [LABEL_SCENARIO]: plan.scenario.name },
    });
    rec.report.backup.takenByDrill = true;
    try {
      backup = await waitBackupTerminal(source, ns, b.name, {
        timeoutMs: b.timeoutMs,
        signal: ctx.signal,
        onObservation: (o) => rec.event('info', o),
      });
    } catch (e) {
      if (e instanceof WaitTimeout)
        throw fail(
          `the backup the drill took did not complete within ${formatSeconds(b.timeoutMs / 1000)}: ${e.observation}`,
        );
      throw e;
    }
    const observedMono = rec.now();
    const observedAt = ctx.clock.now();
    record(ctx, backup);
    if (backup.status?.phase === 'FailedValidation') {
      throw error(
        `Velero rejected the drill's Backup request (FailedValidation): ${(backup.status.validationErrors ?? []).join('; ')}`,
      );
    }
    if (backup.status?.phase === 'Failed')
      throw fail(`the backup the drill took Failed: ${backup.status.failureReason ?? 'no reason given'}`);
    if (!ctx.disasterAt) {
      if (!backup.status?.completionTimestamp)
        throw error(`the backup the drill took, ${b.name}, has no completionTimestamp: T0 cannot be placed`);
      rec.setT0(observedMono, new Date(backup.status.completionTimestamp), 'backup-completed');
      ctx.t0ObservedAt = observedAt;
    }
  } else {
    backup = await findBackup(clusterCatalog(source, ns), b, ctx.disasterAt ? new Date(rec.report.t0) : null);
    accept(ctx, backup);
    return judgePartialBackup(ctx, backup);
  }
  checkAge(ctx, backup);
  return judgePartialBackup(ctx, backup);
}

/** An existing backup: recorded, its phase judged, its age checked against T0 and maxAge. */
function accept(ctx: DrillContext, backup: VeleroBackup): void {
  record(ctx, backup);
  requireRestorable(backup);
  checkAge(ctx, backup);
}

function checkAge(ctx: DrillContext, backup: VeleroBackup): void {
  const { rec } = ctx;
  const b = ctx.plan.backup;
  const start = backupStart(backup);
  const t0 = new Date(rec.report.t0);
  const t0Clock = rec.report.t0Basis === 'backup-completed' ? 'source' : 'runner';
  const age = difference(
    { at: t0, clock: t0Clock, resolutionSeconds: t0Clock === 'source' ? 1 : 0 },
    { at: start, clock: 'source', resolutionSeconds: 1 },
    rec.report.clocks.source,
  );
  if (age.seconds < -age.uncertaintySeconds) {
    // Velero's timestamps have second precision and its clock is not the runner's: only a recovery point after T0
    // beyond what both explain is an input error.
    throw inputError(
      'RECOVERY_POINT_AFTER_T0',
      `backup ${backup.metadata.name} started at ${start.toISOString()}, ${-age.seconds} s after T0 ${t0.toISOString()} (beyond the measurement uncertainty of ${age.uncertaintySeconds} s): an RPO cannot be negative`,
      'pass a --disaster-at after the backup started, or select an older backup',
    );
  }
  requireYoungEnough(backup, Math.max(0, age.seconds) * 1000, b.maxAgeMs);
  ctx.backup = backup;
  rec.event(
    'info',
    `selected backup ${backup.metadata.name} (${backup.status?.phase}, started ${backup.status?.startTimestamp ?? '?'})`,
  );
}

/** The backup selected from `velero-backup.json` files, as Velero's backup sync would read them. */
async function selectFromStorage(ctx: DrillContext, storage: BackupStorage): Promise<VeleroBackup> {
  const { rec } = ctx;
  const b = ctx.plan.backup;
  if (b.mode === 'create') throw error('a drill without a source cluster cannot take a backup'); // refused at compile time
  rec.event('info', `no source cluster: selecting the backup from ${storage.description}`);
  return findBackup(storageCatalog(storage, ctx.clock.now()), b, ctx.disasterAt ? new Date(rec.report.t0) : null);
}

function record(ctx: DrillContext, b: VeleroBackup): void {
  ctx.rec.report.backup = {
    ...ctx.rec.report.backup,
    name: b.metadata.name,
    phase: b.status?.phase ?? null,
    startTimestamp: b.status?.startTimestamp ? new Date(b.status.startTimestamp).toISOString() : null,
    completionTimestamp: b.status?.completionTimestamp ? new Date(b.status.completionTimestamp).toISOString() : null,
    schedule: b.metadata.labels?.[LABEL_SCHEDULE_NAME] ?? null,
    storageLocation: b.spec?.storageLocation ?? null,
  };
}

/**
 * A PartiallyFailed backup lacks some items or volumes: a warning with Velero's reasons, or a FAIL under
 * `restore.tolerate: none`. The drill goes on either way, so the probes show what the missing part cost.
 */
async function judgePartialBackup(ctx: DrillContext, backup: VeleroBackup): Promise<PhaseEnd | void> {
  if (backup.status?.phase !== 'PartiallyFailed') return;
  const name = backup.metadata.name;
  const reasons = await backupErrors(ctx, backup);
  const why = `backup ${name} is PartiallyFailed with ${backup.status.errors ?? '?'} error(s): ${reasons}`;
  if (ctx.plan.restore.partiallyFailedBackup === 'fail')
    return { outcome: 'failed', effect: 'FAIL', reason: `${why} (tolerate: none)` };
  ctx.rec.event('warn', why);
}

/** Velero's error messages for the backup (`<b>-results.gz`): from storage when the scenario names it, else a DownloadRequest. */
async function backupErrors(ctx: DrillContext, backup: VeleroBackup): Promise<string> {
  const name = backup.metadata.name;
  try {
    const results = await readBackupResults(
      {
        storage: ctx.storage ?? null,
        gateway: ctx.source ?? null,
        veleroNamespace: ctx.plan.source.veleroNamespace,
        labels: drillLabels(ctx.plan),
        signal: ctx.signal,
      },
      backup,
    );
    if (!results) return "Velero's results file could not be read (no storage and no source cluster)";
    const messages = errorMessages(results);
    if (!messages.length) return 'the results file lists no errors';
    const shown = messages.slice(0, 5).map((m) => `"${m.length > 200 ? `${m.slice(0, 200)}…` : m}"`);
    return shown.join('; ') + (messages.length > 5 ? ` and ${messages.length - 5} more` : '');
  } catch (e) {
    return `Velero's results file could not be read: ${describeError(e)}`;
  }
}
