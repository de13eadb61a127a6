/**
 * Velero backup storage read straight from Blob Storage: open a BSL, list backups, verify one, and read what a
 * restore left behind. Read-only: nothing here writes under a BSL prefix.
 */
export type { BackupStorage, StoredObject } from './backup-storage.js';
export { listBackupNames } from './backup-storage.js';
export type { BlobAuth, BlobStorageOptions } from './blob-storage.js';
export { openBlobStorage, BlobBackupStorage, blobContainer, blobAuthOf } from './blob-storage.js';
export { openLocalStorage } from './local-storage.js';
export type { BackupSummary, ListBackupsOptions } from './catalog.js';
export { listBackups } from './catalog.js';
export type { BackupVerification, BackupDefect, ArtifactStatus } from './verify-backup.js';
export { verifyBackup, REQUIRED_BACKUP_ARTIFACTS } from './verify-backup.js';
export { readRestoreResults, readRestoreResourceList } from './restore-artifacts.js';
export type { ArtifactRead, ArtifactProblem } from './read-artifact.js';
export { readJsonArtifact, readGzipJsonArtifact } from './read-artifact.js';
export type { StoredBackup } from './stored-backup.js';
export { redact } from './storage-errors.js';
