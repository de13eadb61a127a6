/**
 * The parts of `velero-backup.json` (a velero.io/v1 Backup as the server encoded it) that storage-only
 * commands read. Deliberately partial and all-optional: old and new Velero versions write different subsets.
 */
export interface StoredBackup {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: {
    includedNamespaces?: string[];
    storageLocation?: string;
    ttl?: string;
  };
  status?: {
    phase?: string;
    formatVersion?: string;
    expiration?: string;
    startTimestamp?: string;
    completionTimestamp?: string;
    warnings?: number;
    errors?: number;
    failureReason?: string;
    progress?: { totalItems?: number; itemsBackedUp?: number };
  };
}

/** Complaint about a decoded velero-backup.json, or null when it looks like a Backup. */
export function checkStoredBackup(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const b = v as StoredBackup;
  if (b.kind !== undefined && b.kind !== 'Backup') return `kind is "${String(b.kind)}", expected "Backup"`;
  if (typeof b.metadata?.name !== 'string') return 'metadata.name is missing';
  return null;
}
