/**
 * The read-only view of a Velero backup storage location that catalog and verify work against. Two
 * implementations: Azure Blob (blob-storage.ts) and a local directory (local-storage.ts, for benchmarks and
 * fixture sets copied out of a bucket). Nothing here can write: Velero marks a BSL Unavailable when foreign
 * top-level folders appear under its prefix, so the adapter simply has no write path.
 */
import type { Readable } from 'node:stream';
import type { StorageLayout } from '../storage-layout.js';

/** One stored object. */
export interface StoredObject {
  /** Full key inside the container. */
  key: string;
  /** Size in bytes. */
  size: number;
}

/** Read-only access to one container + prefix. Keys are always full keys (prefix included). */
export interface BackupStorage {
  /** Key names for this BSL's prefix. */
  readonly layout: StorageLayout;
  /** Where this is, for messages; never contains a secret. */
  readonly description: string;
  /** The "directories" directly under `prefix` (a key prefix ending in `/`), as full prefixes ending in `/`. */
  listPrefixes(prefix: string): Promise<string[]>;
  /** Every object whose key starts with `prefix`. */
  listObjects(prefix: string): Promise<StoredObject[]>;
  /** Size of one object, or null when it does not exist. */
  stat(key: string): Promise<StoredObject | null>;
  /** A stream of the object's bytes (never decompressed), or null when it does not exist. */
  openRead(key: string): Promise<Readable | null>;
}

/** The names of the backups under `<prefix>backups/`, as Velero's ListBackups finds them (common prefixes). */
export async function listBackupNames(storage: BackupStorage): Promise<string[]> {
  const base = storage.layout.dir('backups');
  const prefixes = await storage.listPrefixes(base);
  return prefixes
    .map((p) => p.slice(base.length).replace(/\/$/, ''))
    .filter((n) => n !== '')
    .sort();
}
