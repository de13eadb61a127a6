/**
 * The one module that knows how Velero names things in object storage and inside a backup tarball.
 * Mirrors `pkg/persistence/object_store_layout.go` and `pkg/archive/filesystem.go` (Velero v1.17.2);
 * every other module asks this one for key names instead of building strings itself.
 */

/** The only top-level "directories" Velero allows under a BSL prefix; anything else makes the BSL Unavailable. */
export const VELERO_TOP_LEVEL_DIRS = ['backups', 'restores', 'restic', 'metadata', 'plugins', 'kopia'] as const;
/** A top-level directory Velero allows under a BSL prefix. */
export type VeleroTopLevelDir = (typeof VELERO_TOP_LEVEL_DIRS)[number];

/** The per-backup artifacts Velero writes next to `velero-backup.json`. */
export const BACKUP_ARTIFACTS = [
  'metadata',
  'contents',
  'logs',
  'podVolumeBackups',
  'volumeSnapshots',
  'itemOperations',
  'resourceList',
  'results',
  'volumeInfo',
  'csiVolumeSnapshots',
  'csiVolumeSnapshotContents',
  'csiVolumeSnapshotClasses',
] as const;
/** A file Velero writes per backup (storage key from backupKey). */
export type BackupArtifact = (typeof BACKUP_ARTIFACTS)[number];

/** The per-restore artifacts under `restores/<r>/`. */
export const RESTORE_ARTIFACTS = ['logs', 'results', 'resourceList', 'itemOperations', 'volumeInfo'] as const;
/** A file Velero writes per restore (storage key from restoreKey). */
export type RestoreArtifact = (typeof RESTORE_ARTIFACTS)[number];

/** A BSL prefix the way Velero normalises it: empty, or ending in exactly one `/`. */
export function normalisePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}

/** Key names for one BSL (container + prefix). */
export interface StorageLayout {
  /** The normalised prefix (`''` or `'a/b/'`). */
  readonly root: string;
  /** `<p><dir>/` for one of Velero's top-level directories. */
  dir(name: VeleroTopLevelDir): string;
  /** `<p>backups/<b>/` */
  backupDir(backup: string): string;
  /** The key of one backup artifact. */
  backupKey(backup: string, artifact: BackupArtifact): string;
  /** `<p>restores/<r>/` */
  restoreDir(restore: string): string;
  /** The key of one restore artifact. */
  restoreKey(restore: string, artifact: RestoreArtifact): string;
}

const BACKUP_FILE: Record<BackupArtifact, (b: string) => string> = {
  metadata: () => 'velero-backup.json',
  contents: (b) => `${b}.tar.gz`,
  logs: (b) => `${b}-logs.gz`,
  podVolumeBackups: (b) => `${b}-podvolumebackups.json.gz`,
  volumeSnapshots: (b) => `${b}-volumesnapshots.json.gz`,
  itemOperations: (b) => `${b}-itemoperations.json.gz`,
  resourceList: (b) => `${b}-resource-list.json.gz`,
  results: (b) => `${b}-results.gz`,
  volumeInfo: (b) => `${b}-volumeinfo.json.gz`,
  csiVolumeSnapshots: (b) => `${b}-csi-volumesnapshots.json.gz`,
  csiVolumeSnapshotContents: (b) => `${b}-csi-volumesnapshotcontents.json.gz`,
  csiVolumeSnapshotClasses: (b) => `${b}-csi-volumesnapshotclasses.json.gz`,
};

const RESTORE_FILE: Record<RestoreArtifact, (r: string) => string> = {
  logs: (r) => `restore-${r}-logs.gz`,
  results: (r) => `restore-${r}-results.gz`,
  resourceList: (r) => `restore-${r}-resource-list.json.gz`,
  itemOperations: (r) => `restore-${r}-itemoperations.json.gz`,
  // Velero's getRestoreVolumeInfoKey has no `restore-` prefix, unlike its siblings.
  volumeInfo: (r) => `${r}-volumeinfo.json.gz`,
};

/** The file name (last key segment) of a backup artifact. */
export function backupArtifactFile(backup: string, artifact: BackupArtifact): string {
  return BACKUP_FILE[artifact](backup);
}

/** The layout of a BSL with the given prefix (`objectStorage.prefix`). */
export function storageLayout(prefix?: string): StorageLayout {
  const root = normalisePrefix(prefix);
  return {
    root,
    dir: (name) => `${root}${name}/`,
    backupDir: (b) => `${root}backups/${b}/`,
    backupKey: (b, a) => `${root}backups/${b}/${BACKUP_FILE[a](b)}`,
    restoreDir: (r) => `${root}restores/${r}/`,
    restoreKey: (r, a) => `${root}restores/${r}/${RESTORE_FILE[a](r)}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Inside `<b>.tar.gz` (pkg/archive/filesystem.go GetVersionedItemFilePath, pkg/backup/item_backupper.go).

/** `metadata/version` holds the backup format version, `1.1.0\n` for every current Velero. */
export const ARCHIVE_VERSION_FILE = 'metadata/version';
/** The format version Velero v1.17 writes (pkg/backup/backup.go BackupFormatVersion). */
export const BACKUP_FORMAT_VERSION = '1.1.0';
/** Suffix of the directory that repeats each item under its preferred API version. */
export const PREFERRED_VERSION_SUFFIX = '-preferredversion';

/** What one tarball path means. */
export type ArchivePath =
  | { kind: 'version' }
  /**
   * An item file. `version` is null for the unversioned copy (kept for backward compatibility), the API version for
   * `<v>-preferredversion` (`preferred: true`) or `<v>` (a non-preferred version, EnableAPIGroupVersions).
   * `namespace` is null for cluster-scoped items.
   */
  | {
      kind: 'item';
      groupResource: string;
      version: string | null;
      preferred: boolean;
      namespace: string | null;
      name: string;
    }
  | { kind: 'other' };

/**
 * Parse a tarball path: `resources/<resource[.group]>[/<version>[-preferredversion]]/namespaces/<ns>/<name>.json`
 * or `.../cluster/<name>.json`, or `metadata/version`. Velero builds these with filepath.Join, so there is no
 * leading `./`; tolerate one anyway since repacked archives often have it.
 */
export function parseArchivePath(path: string): ArchivePath {
  const p = path.startsWith('./') ? path.slice(2) : path;
  if (p === ARCHIVE_VERSION_FILE) return { kind: 'version' };
  if (!p.startsWith('resources/') || !p.endsWith('.json')) return { kind: 'other' };
  const parts = p.slice('resources/'.length, -'.json'.length).split('/');
  const groupResource = parts[0];
  if (!groupResource) return { kind: 'other' };
  let i = 1;
  let version: string | null = null;
  let preferred = false;
  if (parts[i] !== 'namespaces' && parts[i] !== 'cluster') {
    const v = parts[i];
    if (!v) return { kind: 'other' };
    preferred = v.endsWith(PREFERRED_VERSION_SUFFIX);
    version = preferred ? v.slice(0, -PREFERRED_VERSION_SUFFIX.length) : v;
    i++;
  }
  if (parts[i] === 'namespaces' && parts.length === i + 3 && parts[i + 1] && parts[i + 2]) {
    return { kind: 'item', groupResource, version, preferred, namespace: parts[i + 1]!, name: parts[i + 2]! };
  }
  if (parts[i] === 'cluster' && parts.length === i + 2 && parts[i + 1]) {
    return { kind: 'item', groupResource, version, preferred, namespace: null, name: parts[i + 1]! };
  }
  return { kind: 'other' };
}

/** The tarball path of an item (the inverse of parseArchivePath); `versionDir` e.g. `v1-preferredversion`. */
export function archiveItemPath(
  groupResource: string,
  namespace: string | null,
  name: string,
  versionDir?: string,
): string {
  const scope = namespace === null ? 'cluster' : `namespaces/${namespace}`;
  return `resources/${groupResource}/${versionDir ? `${versionDir}/` : ''}${scope}/${name}.json`;
}

/**
 * The resource-list key of an object: `<apiVersion>/<Kind>` (`v1/Pod`, `apps/v1/Deployment`), as
 * pkg/backup/item_backupper.go resourceKey builds it from the object's GroupVersionKind.
 */
export function resourceListKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** A resource-list entry: `ns/name` for namespaced objects, `name` for cluster-scoped ones. */
export function resourceListEntry(namespace: string | null, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Velero's item restore outcomes in `restore-<r>-resource-list.json.gz` (pkg/restore/request.go). */
export const RESTORE_ITEM_ACTIONS = ['created', 'updated', 'failed', 'skipped'] as const;
/** A restore outcome of one item in Velero's resource list. */
export type RestoreItemAction = (typeof RESTORE_ITEM_ACTIONS)[number];
