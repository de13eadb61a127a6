/**
 * Which existing backup a drill restores, and whether it may: one home for `plan` (preflight) and `run`
 * (select-backup), whether the backups are read from the source cluster or, with no source cluster, from the
 * backup storage as Velero's backup sync would read them.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { BackupPlan } from '../plan/types.js';
import { getBackup, listScheduleBackups, newestCompleted } from '../velero/backups.js';
import { validLabelValue } from '../velero/names.js';
import type { VeleroBackup } from '../velero/types.js';
import { listBackups, readJsonArtifact, type BackupStorage, type StoredBackup } from '../velero/storage/index.js';
import { checkStoredBackup } from '../velero/storage/stored-backup.js';
import { formatSeconds } from '../util/duration.js';
import { error, fail } from './outcome.js';

/** A backup the scenario names, or the newest Completed one of its schedule. */
export type ExistingBackupPlan = Exclude<BackupPlan, { mode: 'create' }>;

/** One backup of a schedule, as far as choosing among them needs it. */
interface Candidate {
  name: string;
  phase: string | null | undefined;
  startTimestamp: string | null | undefined;
}

/** Where a drill's backups are looked up. */
export interface BackupCatalog {
  /** As a message names it: `prod/velero`, or the storage's description. */
  where: string;
  /** The backup, or why it is not there (a detail, '' when there is nothing to add). */
  byName(name: string): Promise<{ backup: VeleroBackup } | { missing: string }>;
  /** The backups labelled with the schedule's name (velero.io/schedule-name, as Velero writes it). */
  ofSchedule(schedule: string): Promise<Candidate[]>;
}

/** The source cluster's Backup objects. */
export function clusterCatalog(gw: KubeGateway, namespace: string): BackupCatalog {
  const listed = new Map<string, VeleroBackup>();
  return {
    where: `${gw.context}/${namespace}`,
    async byName(name) {
      const backup = listed.get(name) ?? (await getBackup(gw, namespace, name));
      return backup ? { backup } : { missing: '' };
    },
    async ofSchedule(schedule) {
      const items = await listScheduleBackups(gw, namespace, schedule);
      for (const b of items) listed.set(b.metadata.name, b);
      return items.map((b) => ({
        name: b.metadata.name,
        phase: b.status?.phase,
        startTimestamp: b.status?.startTimestamp,
      }));
    },
  };
}

/** The `velero-backup.json` files of the backup storage: the regional-outage rehearsal, with no source cluster. */
export function storageCatalog(storage: BackupStorage, now: Date): BackupCatalog {
  return {
    // Read when a message needs it: a lazily opened storage describes itself better once open.
    get where() {
      return storage.description;
    },
    async byName(name) {
      const meta = await readJsonArtifact<StoredBackup>(
        storage,
        storage.layout.backupKey(name, 'metadata'),
        checkStoredBackup,
      );
      if (meta.ok) return { backup: meta.value as unknown as VeleroBackup }; // Velero's own encoding of the Backup
      if (meta.problem === 'missing') return { missing: `no ${meta.key}` };
      throw fail(
        `backup ${name} cannot be read from storage: ${meta.key}: ${meta.problem}${meta.detail ? ` — ${meta.detail}` : ''}`,
      );
    },
    async ofSchedule(schedule) {
      const label = validLabelValue(schedule);
      return (await listBackups(storage, { now })).filter((r) => r.schedule === label);
    },
  };
}

/**
 * The backup the plan selects: the one it names, or the newest Completed one of its schedule that started
 * before `startedBefore` (T0 under --disaster-at). Throws a FAIL saying what was found instead.
 */
export async function findBackup(
  catalog: BackupCatalog,
  b: ExistingBackupPlan,
  startedBefore: Date | null,
): Promise<VeleroBackup> {
  let name: string;
  if (b.mode === 'name') name = b.name;
  else {
    const all = await catalog.ofSchedule(b.schedule);
    const newest = newestCompleted(all, startedBefore, (c) => c);
    if (!newest) {
      throw fail(
        `no Completed backup of schedule ${b.schedule}${startedBefore ? ` started before T0 ${startedBefore.toISOString()}` : ''} in ${catalog.where} (${all.length} backup(s) of it found)`,
      );
    }
    name = newest.name;
  }
  const found = await catalog.byName(name);
  if ('missing' in found)
    throw fail(`backup ${name} does not exist in ${catalog.where}${found.missing ? ` (${found.missing})` : ''}`);
  return found.backup;
}

/** Refuses a backup Velero cannot restore from (only Completed and PartiallyFailed can be). */
export function requireRestorable(backup: VeleroBackup): void {
  const phase = backup.status?.phase;
  if (phase !== 'Completed' && phase !== 'PartiallyFailed')
    throw fail(`backup ${backup.metadata.name} is ${phase ?? 'New'}, not restorable`);
}

/** When the backup started; without it neither maxAge nor the RPO can be measured. */
export function backupStart(backup: VeleroBackup): Date {
  const start = backup.status?.startTimestamp;
  // Velero sets it on every backup it processed.
  if (!start)
    throw error(
      `backup ${backup.metadata.name} has no startTimestamp: its age and the RPO cannot be measured (was it written by Velero?)`,
    );
  return new Date(start);
}

/** Refuses a backup older than the plan's maxAge at T0 (`ageMs`: from its start to T0). */
export function requireYoungEnough(backup: VeleroBackup, ageMs: number, maxAgeMs: number | null): void {
  if (maxAgeMs !== null && ageMs > maxAgeMs) {
    throw fail(
      `no backup young enough: ${backup.metadata.name} started ${formatSeconds(ageMs / 1000)} before T0, maxAge is ${formatSeconds(maxAgeMs / 1000)}`,
    );
  }
}
