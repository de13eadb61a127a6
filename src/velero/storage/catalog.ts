/**
 * `backups list`: the backups in a BSL as Velero's backup sync would see them — names from the common
 * prefixes under `backups/`, facts from each `velero-backup.json`, sizes from one flat listing. A directory
 * without a readable `velero-backup.json` is listed with a note (Velero's sync would skip it), never an error.
 */
import { listBackupNames, type BackupStorage } from './backup-storage.js';
import { readJsonArtifact } from './read-artifact.js';
import { checkStoredBackup, type StoredBackup } from './stored-backup.js';
import { LABEL_SCHEDULE_NAME } from '../names.js';

/** One row of `backups list`. Values Velero did not record are null. */
export interface BackupSummary {
  name: string;
  /** Velero's phase, as stored (`Completed`, `PartiallyFailed`, …). */
  phase: string | null;
  /** Label `velero.io/schedule-name`. */
  schedule: string | null;
  /** UTC ISO-8601. */
  startTimestamp: string | null;
  completionTimestamp: string | null;
  /** Seconds from the start (or, lacking it, completion) to `now`. */
  ageSeconds: number | null;
  expiration: string | null;
  /** `status.progress.totalItems`. */
  totalItems: number | null;
  /** `status.progress.itemsBackedUp`. */
  itemsBackedUp: number | null;
  warnings: number;
  errors: number;
  /** Sum of every blob under `backups/<name>/`. */
  totalBytes: number;
  /** Files under `backups/<name>/`. */
  files: number;
  /** Why facts are missing (no velero-backup.json, undecodable, …). */
  note: string | null;
}

/** Options for listBackups. */
export interface ListBackupsOptions {
  /** The moment ages are measured from (injected for tests). */
  now?: Date;
  /** Parallel metadata reads. */
  concurrency?: number;
}

/** List every backup, newest first (by start time; backups without one last, by name). */
export async function listBackups(storage: BackupStorage, opts: ListBackupsOptions = {}): Promise<BackupSummary[]> {
  const now = opts.now ?? new Date();
  const names = await listBackupNames(storage);
  const backupsDir = storage.layout.dir('backups');
  const sizes = new Map<string, { bytes: number; files: number }>();
  for (const o of await storage.listObjects(backupsDir)) {
    const name = o.key.slice(backupsDir.length).split('/')[0] ?? '';
    const s = sizes.get(name) ?? { bytes: 0, files: 0 };
    s.bytes += o.size;
    s.files++;
    sizes.set(name, s);
  }

  const rows: BackupSummary[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i]!;
      rows[i] = await summarise(storage, name, sizes.get(name) ?? { bytes: 0, files: 0 }, now);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, names.length) }, worker));
  return rows.sort(
    (a, b) => (b.startTimestamp ?? '').localeCompare(a.startTimestamp ?? '') || a.name.localeCompare(b.name),
  );
}

async function summarise(
  storage: BackupStorage,
  name: string,
  size: { bytes: number; files: number },
  now: Date,
): Promise<BackupSummary> {
  const row: BackupSummary = {
    name,
    phase: null,
    schedule: null,
    startTimestamp: null,
    completionTimestamp: null,
    ageSeconds: null,
    expiration: null,
    totalItems: null,
    itemsBackedUp: null,
    warnings: 0,
    errors: 0,
    totalBytes: size.bytes,
    files: size.files,
    note: null,
  };
  const meta = await readJsonArtifact<StoredBackup>(
    storage,
    storage.layout.backupKey(name, 'metadata'),
    checkStoredBackup,
  );
  if (!meta.ok) {
    row.note =
      meta.problem === 'missing'
        ? 'no velero-backup.json (Velero ignores this folder)'
        : `velero-backup.json: ${meta.problem}`;
    return row;
  }
  const b = meta.value;
  const st = b.status ?? {};
  row.phase = st.phase ?? null;
  row.schedule = b.metadata?.labels?.[LABEL_SCHEDULE_NAME] ?? null;
  row.startTimestamp = st.startTimestamp ?? null;
  row.completionTimestamp = st.completionTimestamp ?? null;
  row.expiration = st.expiration ?? null;
  row.totalItems = st.progress?.totalItems ?? null;
  row.itemsBackedUp = st.progress?.itemsBackedUp ?? null;
  row.warnings = st.warnings ?? 0;
  row.errors = st.errors ?? 0;
  const ref = row.startTimestamp ?? row.completionTimestamp;
  if (ref && !Number.isNaN(Date.parse(ref)))
    row.ageSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(ref)) / 1000));
  if (b.metadata?.name !== name) row.note = `velero-backup.json names "${b.metadata?.name}"`;
  return row;
}
