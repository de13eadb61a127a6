/**
 * The BSL's storage as a drill reads it (spec.storage). Opened lazily, so that a bad option or an unreachable
 * account surfaces inside the phase that first needs it, recorded like any other phase failure.
 */
import type { Readable } from 'node:stream';
import { inputError } from '../util/errors.js';
import type { StoragePlan } from '../plan/types.js';
import { blobAuthOf, openBlobStorage, type BackupStorage, type StoredObject } from '../velero/storage/index.js';
import { storageLayout, type StorageLayout } from '../velero/storage-layout.js';

/** Opens a BackupStorage for a plan; injectable so tests can use a local directory or a memory fake. */
export type StorageOpener = (plan: StoragePlan) => BackupStorage;

/**
 * Opens the plan's storage over Azure Blob. A private endpoint's CA must be trusted through NODE_EXTRA_CA_CERTS
 * (TLS is never disabled, and Node reads that variable only at start), so caCertFile is checked against it.
 */
export function openPlanStorage(plan: StoragePlan, env: NodeJS.ProcessEnv = process.env): BackupStorage {
  if (plan.caCertFile && env.NODE_EXTRA_CA_CERTS !== plan.caCertFile) {
    throw inputError(
      'STORAGE_CA_NOT_TRUSTED',
      `spec.storage.caCertFile ${plan.caCertFile} is not trusted by this process`,
      `export NODE_EXTRA_CA_CERTS=${plan.caCertFile} before running dr-drill (Node reads it only at start)`,
    );
  }
  const base = { container: plan.container, ...(plan.prefix ? { prefix: plan.prefix } : {}) };
  return openBlobStorage({ ...base, auth: blobAuthOf(plan.auth) });
}

/** Where a plan's storage is, for messages: never the connection string. */
export function describeStoragePlan(plan: StoragePlan): string {
  const account =
    plan.auth.kind === 'default-credential'
      ? plan.auth.accountUrl.replace(/\/+$/, '')
      : "the connection string's account";
  return `${account} container ${plan.container}${plan.prefix ? ` prefix ${plan.prefix}` : ''}`;
}

/** A BackupStorage that opens the real one on first use. */
export class LazyStorage implements BackupStorage {
  readonly layout: StorageLayout;
  private opened: BackupStorage | null = null;

  constructor(
    private readonly plan: StoragePlan,
    private readonly open: StorageOpener = openPlanStorage,
  ) {
    this.layout = storageLayout(plan.prefix ?? undefined);
  }

  get description(): string {
    return this.opened?.description ?? describeStoragePlan(this.plan);
  }

  private get real(): BackupStorage {
    this.opened ??= this.open(this.plan);
    return this.opened;
  }

  listPrefixes(prefix: string): Promise<string[]> {
    return this.real.listPrefixes(prefix);
  }

  listObjects(prefix: string): Promise<StoredObject[]> {
    return this.real.listObjects(prefix);
  }

  stat(key: string): Promise<StoredObject | null> {
    return this.real.stat(key);
  }

  openRead(key: string): Promise<Readable | null> {
    return this.real.openRead(key);
  }
}
