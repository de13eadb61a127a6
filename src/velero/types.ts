/**
 * Velero's own shapes (velero.io/v1), the parts the drill reads. Phases are Velero's words, kept verbatim
 * (checked against pkg/apis/velero/v1 @ v1.17.2 and v1.18).
 */
import type { KubeObject } from '../kube/types.js';

export const VELERO_API = 'velero.io/v1';

export const BACKUP_TERMINAL = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'] as const;
export const RESTORE_TERMINAL = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'] as const;
/** A Restore phase after which Velero does no more (Velero's words). */
export type RestoreTerminalPhase = (typeof RESTORE_TERMINAL)[number];

/** A Backup's status, the fields the drill reads. */
export interface BackupStatus {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  expiration?: string;
  warnings?: number;
  errors?: number;
  failureReason?: string;
  validationErrors?: string[];
  progress?: { totalItems?: number; itemsBackedUp?: number };
}

/** A velero.io/v1 Backup. */
export interface VeleroBackup extends KubeObject {
  spec?: { includedNamespaces?: string[]; storageLocation?: string; ttl?: string; [k: string]: unknown };
  status?: BackupStatus;
}

/** A Restore's status, the fields the drill reads. */
export interface RestoreStatus {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  warnings?: number;
  errors?: number;
  failureReason?: string;
  validationErrors?: string[];
  progress?: { totalItems?: number; itemsRestored?: number };
  /** Async item operations (data mover downloads) that failed. */
  restoreItemOperationsFailed?: number;
}

/** A velero.io/v1 Restore. */
export interface VeleroRestore extends KubeObject {
  status?: RestoreStatus;
}

/** A velero.io/v1 BackupStorageLocation: where Velero keeps backups, and whether it is Available. */
export interface BackupStorageLocation extends KubeObject {
  spec?: {
    provider?: string;
    default?: boolean;
    accessMode?: 'ReadOnly' | 'ReadWrite';
    objectStorage?: { bucket?: string; prefix?: string; caCert?: string };
    config?: Record<string, string>;
  };
  status?: { phase?: string; message?: string; lastSyncedTime?: string; lastValidationTime?: string };
}

/** Velero's results file: messages by where they arose. */
export interface ResultMessages {
  velero: string[];
  cluster: string[];
  namespaces: Record<string, string[]>;
}

/** A restore's results file: warnings and errors by where they arose. */
export interface RestoreResults {
  warnings: ResultMessages;
  errors: ResultMessages;
}

export function isTerminalRestorePhase(phase: string | undefined): phase is RestoreTerminalPhase {
  return (RESTORE_TERMINAL as readonly string[]).includes(phase ?? '');
}

export function isTerminalBackupPhase(phase: string | undefined): boolean {
  return (BACKUP_TERMINAL as readonly string[]).includes(phase ?? '');
}
