/**
 * `backups verify`: is a backup in storage whole? Every artifact Velero v1.17 writes is present and decodes;
 * the tarball streams through gunzip + tar and its items match `<b>-resource-list.json.gz` both ways. Each
 * defect names the artifact (file name) and exactly what is wrong with it.
 */
import { BACKUP_ARTIFACTS, backupArtifactFile, BACKUP_FORMAT_VERSION, type BackupArtifact } from '../storage-layout.js';
import type { BackupStorage } from './backup-storage.js';
import {
  checkGzipArtifact,
  readGzipJsonArtifact,
  readJsonArtifact,
  shapes,
  type ArtifactRead,
} from './read-artifact.js';
import { scanTarball, type TarballScan } from './tarball-scan.js';
import { checkStoredBackup, type StoredBackup } from './stored-backup.js';
import { storageError } from './storage-errors.js';

/**
 * Written unconditionally by Velero v1.13+ (persistence.PutBackup); missing one is a defect. `logs` is
 * best-effort in Velero and the CSI files are version-dependent (v1.16 / v1.17 only), so those are optional.
 */
export const REQUIRED_BACKUP_ARTIFACTS = [
  'metadata',
  'contents',
  'resourceList',
  'results',
  'volumeInfo',
  'itemOperations',
  'podVolumeBackups',
  'volumeSnapshots',
] as const satisfies readonly BackupArtifact[];

/** One thing wrong with a backup. */
export interface BackupDefect {
  /** The artifact's file name, e.g. `nightly-20260101.tar.gz`. */
  artifact: string;
  /** What is wrong: `missing`, `truncated gzip`, `bad JSON`, `item in resource list missing from tarball`, … */
  problem: string;
  /** The item, tar path or decoder message the problem is about. */
  detail: string;
}

/** Status of one artifact. */
export interface ArtifactStatus {
  artifact: BackupArtifact;
  file: string;
  key: string;
  required: boolean;
  status: 'ok' | 'missing' | 'defective';
  /** Stored size, when present. */
  bytes: number | null;
}

/** What verify found. `ok` is true when there are no defects. */
export interface BackupVerification {
  backup: string;
  ok: boolean;
  phase: string | null;
  defects: BackupDefect[];
  /** Facts worth knowing that are not defects (optional artifact absent, backup phase not Completed…). */
  notes: string[];
  artifacts: ArtifactStatus[];
  /** Tarball contents; null when the tarball could not be opened. */
  tarball: (Omit<TarballScan, 'problems'> & { compressedBytes: number }) | null;
  /** Entries in the resource list. */
  resourceListItems: number | null;
}

/** Item-level defects listed one by one up to this many per kind of problem; the rest are summed up. */
const MAX_ITEM_DEFECTS = 25;

const JSON_GZ_SHAPE: Partial<Record<BackupArtifact, (v: unknown) => string | null>> = {
  podVolumeBackups: shapes.arrayOrNull,
  volumeSnapshots: shapes.arrayOrNull,
  itemOperations: shapes.arrayOrNull,
  volumeInfo: shapes.arrayOrNull,
  csiVolumeSnapshots: shapes.arrayOrNull,
  csiVolumeSnapshotContents: shapes.arrayOrNull,
  csiVolumeSnapshotClasses: shapes.arrayOrNull,
  results: shapes.results,
};

/** Options for verifyBackup. */
export interface VerifyOptions {
  /**
   * JSON-decode every item and check its metadata against its tar path. Off by default: gzip's CRC already
   * proves the tarball holds the bytes Velero wrote, and items are then identified from their JSON head.
   */
  deep?: boolean;
}

/** Verify one backup. Throws a DrillError only when storage cannot be read at all (exit 3). */
export async function verifyBackup(
  storage: BackupStorage,
  backup: string,
  opts: VerifyOptions = {},
): Promise<BackupVerification> {
  const layout = storage.layout;
  const defects: BackupDefect[] = [];
  const notes: string[] = [];
  const file = (a: BackupArtifact) => backupArtifactFile(backup, a);
  const required = (a: BackupArtifact) => (REQUIRED_BACKUP_ARTIFACTS as readonly string[]).includes(a);

  // One listing gives presence and size of every artifact; reads below then only open what exists.
  const listed = new Map((await storage.listObjects(layout.backupDir(backup))).map((o) => [o.key, o.size]));
  const artifacts: ArtifactStatus[] = BACKUP_ARTIFACTS.map((a) => {
    const key = layout.backupKey(backup, a);
    const size = listed.get(key);
    return {
      artifact: a,
      file: file(a),
      key,
      required: required(a),
      status: size === undefined ? 'missing' : 'ok',
      bytes: size ?? null,
    };
  });
  const status = (a: BackupArtifact) => artifacts.find((s) => s.artifact === a)!;
  const record = (a: BackupArtifact, r: ArtifactRead<unknown>) => {
    if (r.ok) return;
    status(a).status = r.problem === 'missing' ? 'missing' : 'defective';
    if (r.problem !== 'missing' || required(a))
      defects.push({ artifact: file(a), problem: r.problem, detail: r.detail });
  };

  if (listed.size === 0) {
    defects.push({
      artifact: `backups/${backup}/`,
      problem: 'missing',
      detail: `no backup named "${backup}" in ${storage.description}`,
    });
    return { backup, ok: false, phase: null, defects, notes, artifacts, tarball: null, resourceListItems: null };
  }

  for (const a of artifacts) {
    if (a.status === 'missing') {
      if (a.required) defects.push({ artifact: a.file, problem: 'missing', detail: `expected at ${a.key}` });
      else if (a.artifact === 'logs') notes.push(`${a.file} is absent (Velero uploads logs best-effort)`);
    }
  }

  let phase: string | null = null;
  if (status('metadata').status === 'ok') {
    const meta = await readJsonArtifact<StoredBackup>(storage, status('metadata').key, checkStoredBackup);
    record('metadata', meta);
    if (meta.ok) {
      phase = meta.value.status?.phase ?? null;
      if (meta.value.metadata?.name !== backup) {
        defects.push({
          artifact: file('metadata'),
          problem: 'names another backup',
          detail: `metadata.name is "${meta.value.metadata?.name}"`,
        });
      }
      if (phase !== 'Completed')
        notes.push(
          `backup phase is ${phase ?? 'unset'}${meta.value.status?.failureReason ? `: ${meta.value.status.failureReason}` : ''}`,
        );
    }
  }

  for (const a of Object.keys(JSON_GZ_SHAPE) as BackupArtifact[]) {
    if (status(a).status === 'ok') record(a, await readGzipJsonArtifact(storage, status(a).key, JSON_GZ_SHAPE[a]));
  }
  if (status('logs').status === 'ok') record('logs', await checkGzipArtifact(storage, status('logs').key));

  // The resource list is the expected side of the cross-check: key → entries not yet seen in the tarball.
  let expected: Map<string, Set<string>> | null = null;
  let resourceListItems: number | null = null;
  if (status('resourceList').status === 'ok') {
    const list = await readGzipJsonArtifact<Record<string, string[]> | null>(
      storage,
      status('resourceList').key,
      shapes.resourceList,
    );
    record('resourceList', list);
    if (list.ok) {
      expected = new Map(Object.entries(list.value ?? {}).map(([k, v]) => [k, new Set(v)]));
      resourceListItems = [...expected.values()].reduce((n, s) => n + s.size, 0);
    }
  }

  let tarball: BackupVerification['tarball'] = null;
  if (status('contents').status === 'ok') {
    const tarFile = file('contents');
    const key = status('contents').key;
    const body = await storage.openRead(key);
    if (!body) {
      status('contents').status = 'missing';
      defects.push({ artifact: tarFile, problem: 'missing', detail: `vanished while verifying: ${key}` });
    } else {
      const unlisted: string[] = [];
      let unlistedCount = 0;
      const scan = await scanTarball(
        body,
        (k, entry, path) => {
          if (!expected) return;
          const set = expected.get(k);
          if (set?.delete(entry)) return;
          unlistedCount++;
          if (unlisted.length < MAX_ITEM_DEFECTS) unlisted.push(`${k} ${entry} (${path})`);
        },
        (e) => storageError(e, `${storage.description} ${key}`),
        opts.deep ?? false,
      );
      const { problems, ...rest } = scan;
      tarball = { ...rest, compressedBytes: status('contents').bytes ?? 0 };
      for (const p of problems) defects.push({ artifact: tarFile, problem: p.problem, detail: p.detail });
      if (problems.length > 0) status('contents').status = 'defective';
      if (scan.formatVersion === null)
        defects.push({
          artifact: tarFile,
          problem: 'missing metadata/version',
          detail: 'every Velero tarball starts with it',
        });
      else if (scan.formatVersion !== BACKUP_FORMAT_VERSION)
        notes.push(`tarball format version ${scan.formatVersion} (this tool knows ${BACKUP_FORMAT_VERSION})`);
      if (scan.otherEntries.length > 0)
        notes.push(
          `tarball holds ${scan.otherEntries.length} entries outside Velero's layout, e.g. ${scan.otherEntries[0]}`,
        );

      for (const u of unlisted)
        defects.push({ artifact: tarFile, problem: 'item in tarball missing from resource list', detail: u });
      if (unlistedCount > unlisted.length) {
        defects.push({
          artifact: tarFile,
          problem: 'item in tarball missing from resource list',
          detail: `…and ${unlistedCount - unlisted.length} more`,
        });
      }
      // A truncated tarball would report every item after the cut as missing; the gzip defect already says it.
      const streamBroken = problems.some(
        (p) => p.problem === 'truncated gzip' || p.problem === 'bad gzip' || p.problem === 'bad tar',
      );
      if (expected && !streamBroken) {
        let missing = 0;
        for (const [k, set] of expected) {
          for (const entry of set) {
            if (missing++ < MAX_ITEM_DEFECTS)
              defects.push({
                artifact: file('resourceList'),
                problem: 'item in resource list missing from tarball',
                detail: `${k} ${entry}`,
              });
          }
        }
        if (missing > MAX_ITEM_DEFECTS) {
          defects.push({
            artifact: file('resourceList'),
            problem: 'item in resource list missing from tarball',
            detail: `…and ${missing - MAX_ITEM_DEFECTS} more`,
          });
        }
      }
    }
  }

  return { backup, ok: defects.length === 0, phase, defects, notes, artifacts, tarball, resourceListItems };
}
