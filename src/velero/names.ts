/**
 * The one module that derives Velero names and labels the drill uses on the cluster side.
 * (Object-storage keys live in storage-layout.ts.)
 */
import { createHash } from 'node:crypto';

export const LABEL_SCHEDULE_NAME = 'velero.io/schedule-name';
export const LABEL_RESTORE_NAME = 'velero.io/restore-name';
export const LABEL_BACKUP_NAME = 'velero.io/backup-name';
export const LABEL_STORAGE_LOCATION = 'velero.io/storage-location';

/**
 * Velero's label.GetValidName: a value longer than 63 characters is cut to 57 plus the first 6 hex characters
 * of its SHA-256, so selectors built on long names must do the same.
 */
export function validLabelValue(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 57) + createHash('sha256').update(name).digest('hex').slice(0, 6);
}

/** A DNS-1123 object name of at most 63 characters built from parts. */
export function objectName(...parts: string[]): string {
  const raw = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return raw.length <= 63
    ? raw
    : raw.slice(0, 56).replace(/-$/, '') + '-' + createHash('sha256').update(raw).digest('hex').slice(0, 6);
}
