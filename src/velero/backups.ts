import type { KubeGateway } from '../kube/gateway.js';
import { waitFor, type WaitOptions } from '../kube/wait.js';
import { VELERO_API, isTerminalBackupPhase, type VeleroBackup } from './types.js';
import { LABEL_SCHEDULE_NAME, validLabelValue } from './names.js';

export async function getBackup(gw: KubeGateway, ns: string, name: string): Promise<VeleroBackup | null> {
  return (await gw.get({ apiVersion: VELERO_API, kind: 'Backup', namespace: ns, name })) as VeleroBackup | null;
}

/** The facts of a backup that choosing among a schedule's backups reads. */
export interface BackupStartFacts {
  phase?: string | null;
  startTimestamp?: string | null;
}

/**
 * The newest Completed backup of a schedule, by status.startTimestamp (as Velero's own scheduleName restore does:
 * PartiallyFailed backups are skipped). With `startedBefore`, only backups that started before it count.
 * `facts` reads phase and start from whatever shape the backups were read in (Backup objects, stored summaries).
 */
export function newestCompleted<T>(
  backups: readonly T[],
  startedBefore: Date | null,
  facts: (b: T) => BackupStartFacts,
): T | null {
  let best: { item: T; start: number } | null = null;
  for (const b of backups) {
    const { phase, startTimestamp } = facts(b);
    if (phase !== 'Completed' || !startTimestamp) continue;
    const start = Date.parse(startTimestamp);
    if (startedBefore && start >= startedBefore.getTime()) continue;
    if (!best || start > best.start) best = { item: b, start };
  }
  return best?.item ?? null;
}

export async function listScheduleBackups(gw: KubeGateway, ns: string, schedule: string): Promise<VeleroBackup[]> {
  const { items } = await gw.list({
    apiVersion: VELERO_API,
    kind: 'Backup',
    namespace: ns,
    labelSelector: `${LABEL_SCHEDULE_NAME}=${validLabelValue(schedule)}`,
  });
  return items as VeleroBackup[];
}

/** A Backup the drill takes (spec.backup.create). */
export interface NewBackup {
  name: string;
  namespace: string;
  includedNamespaces: string[];
  ttl: string;
  storageLocation: string | null;
  /** null: left out of the spec, so Velero's default applies. */
  snapshotVolumes: boolean | null;
  defaultVolumesToFsBackup: boolean | null;
  labels: Record<string, string>;
}

export async function createBackup(gw: KubeGateway, b: NewBackup): Promise<VeleroBackup> {
  return (await gw.create({
    apiVersion: VELERO_API,
    kind: 'Backup',
    metadata: { name: b.name, namespace: b.namespace, labels: b.labels },
    spec: {
      includedNamespaces: b.includedNamespaces,
      ttl: b.ttl,
      ...(b.snapshotVolumes !== null ? { snapshotVolumes: b.snapshotVolumes } : {}),
      ...(b.defaultVolumesToFsBackup !== null ? { defaultVolumesToFsBackup: b.defaultVolumesToFsBackup } : {}),
      ...(b.storageLocation ? { storageLocation: b.storageLocation } : {}),
    },
  })) as VeleroBackup;
}

function backupObservation(b: VeleroBackup | undefined): string {
  if (!b) return 'Backup not found';
  const s = b.status ?? {};
  const items = s.progress?.totalItems ? `, ${s.progress.itemsBackedUp ?? 0}/${s.progress.totalItems} items` : '';
  return `Backup ${b.metadata.name} is ${s.phase ?? 'New'}${items}`;
}

/**
 * Waits until the backup reaches a terminal phase (any of them: the caller judges it). `absent` is what the wait
 * reports while the Backup does not exist (yet).
 */
async function waitBackupPhase(
  gw: KubeGateway,
  ns: string,
  name: string,
  opts: WaitOptions,
  absent: string,
): Promise<VeleroBackup> {
  const { verdict } = await waitFor<VeleroBackup>(
    gw,
    { apiVersion: VELERO_API, kind: 'Backup', namespace: ns, name },
    (objs) => {
      const b = objs[0] as VeleroBackup | undefined;
      if (!b) return { state: 'waiting', observation: absent };
      return isTerminalBackupPhase(b.status?.phase)
        ? { state: 'done', observation: backupObservation(b), value: b }
        : { state: 'waiting', observation: backupObservation(b) };
    },
    opts,
  );
  return verdict.value!;
}

/** Waits until a backup the drill created reaches a terminal phase (any of them: the caller judges it). */
export function waitBackupTerminal(
  gw: KubeGateway,
  ns: string,
  name: string,
  opts: WaitOptions,
): Promise<VeleroBackup> {
  return waitBackupPhase(gw, ns, name, opts, backupObservation(undefined));
}

/**
 * Waits until backup sync has brought the backup into a cluster (a target cluster reading the source's storage
 * through its own BSL), in a terminal phase. Velero syncs on a one-minute tick, so this is a wait for an event, not
 * a poll.
 */
export function waitBackupVisible(gw: KubeGateway, ns: string, name: string, opts: WaitOptions): Promise<VeleroBackup> {
  const absent = `Backup ${name} not yet synced into ${gw.context} (Velero syncs about once a minute)`;
  return waitBackupPhase(gw, ns, name, opts, absent);
}
