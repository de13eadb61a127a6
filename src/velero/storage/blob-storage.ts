/**
 * BackupStorage over Azure Blob Storage (@azure/storage-blob). Auth as the Azure CLI and Velero's Azure plugin
 * offer it: Azure AD through DefaultAzureCredential, a connection string, a shared key, or a SAS token.
 * Read-only by construction: only list, get-properties and download are ever called.
 */
import type { Readable } from 'node:stream';
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { DefaultAzureCredential } from '@azure/identity';
import { storageLayout } from '../storage-layout.js';
import type { BackupStorage, StoredObject } from './backup-storage.js';
import { badStorageOption, isNotFound, storageError } from './storage-errors.js';
import type { StorageAuthPlan } from '../../plan/types.js';

/** How to authenticate to the storage account. */
export type BlobAuth =
  /** Azure AD: environment, workload identity, managed identity, Azure CLI… (DefaultAzureCredential). */
  | { kind: 'default-credential'; accountUrl: string }
  /** A connection string (AccountKey or SharedAccessSignature form, or UseDevelopmentStorage=true). */
  | { kind: 'connection-string'; connectionString: string }
  /** Account name + key (Velero's `storageAccountKeyEnvVar` path). */
  | { kind: 'shared-key'; accountUrl: string; accountName: string; accountKey: string }
  /** A SAS token (with or without the leading `?`). */
  | { kind: 'sas'; accountUrl: string; sasToken: string };

/** Where a BSL lives in Azure Blob Storage. */
export interface BlobStorageOptions {
  auth: BlobAuth;
  /** Velero BSL `objectStorage.bucket`. */
  container: string;
  /** Velero BSL `objectStorage.prefix` (optional). */
  prefix?: string;
}

// Few quick retries: a CLI pointed at a wrong endpoint should fail in seconds, not after the SDK's default minute.
const PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, retryDelayInMs: 300, maxRetryDelayInMs: 2000, tryTimeoutInMs: 120_000 },
};

function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badStorageOption('--account-url is not a URL', url);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badStorageOption('--account-url must be https://…', url);
  return u;
}

function serviceClient(auth: BlobAuth): BlobServiceClient {
  switch (auth.kind) {
    case 'connection-string':
      try {
        return BlobServiceClient.fromConnectionString(auth.connectionString, PIPELINE);
      } catch (e) {
        // The SDK quotes nothing secret here, but redact anyway: the message is built from the string.
        throw badStorageOption('invalid connection string', (e as Error).message);
      }
    case 'default-credential':
      checkUrl(auth.accountUrl);
      return new BlobServiceClient(auth.accountUrl, new DefaultAzureCredential(), PIPELINE);
    case 'shared-key':
      checkUrl(auth.accountUrl);
      return new BlobServiceClient(
        auth.accountUrl,
        new StorageSharedKeyCredential(auth.accountName, auth.accountKey),
        PIPELINE,
      );
    case 'sas': {
      const u = checkUrl(auth.accountUrl);
      u.search = auth.sasToken.replace(/^\?/, '');
      return new BlobServiceClient(u.toString(), undefined, PIPELINE);
    }
  }
}

/**
 * The one Blob client setup (credential, quick-retry pipeline) for every container dr-drill reads or writes: the
 * backup storage and the evidence container. Does no I/O.
 */
export function blobContainer(auth: BlobAuth, container: string): ContainerClient {
  return serviceClient(auth).getContainerClient(container);
}

/** A plan's storage credentials as Blob auth: the connection string is revealed here, to the SDK only. */
export function blobAuthOf(auth: StorageAuthPlan): BlobAuth {
  return auth.kind === 'default-credential'
    ? { kind: 'default-credential', accountUrl: auth.accountUrl }
    : { kind: 'connection-string', connectionString: auth.connectionString.reveal() };
}

/** Open a BSL in Azure Blob Storage. Does no I/O: failures surface on the first call, as DrillErrors. */
export function openBlobStorage(opts: BlobStorageOptions): BackupStorage {
  if (opts.container.length < 3) throw badStorageOption('--container must have at least 3 characters', opts.container);
  return new BlobBackupStorage(blobContainer(opts.auth, opts.container), opts.prefix);
}

/** BackupStorage over a ContainerClient the caller built (tests, or callers with their own pipeline). */
export class BlobBackupStorage implements BackupStorage {
  readonly layout;
  readonly description: string;

  constructor(
    private readonly container: ContainerClient,
    prefix?: string,
  ) {
    this.layout = storageLayout(prefix);
    // The URL of a container client made from a SAS carries the signature: keep only origin and path.
    const u = new URL(container.url);
    this.description = `${u.origin}${u.pathname}${this.layout.root ? ` (prefix ${this.layout.root})` : ''}`;
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix })) {
        if (item.kind === 'prefix') out.push(item.name);
      }
    } catch (e) {
      throw storageError(e, this.description);
    }
    return out;
  }

  async listObjects(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    try {
      for await (const b of this.container.listBlobsFlat({ prefix })) {
        out.push({ key: b.name, size: b.properties.contentLength ?? 0 });
      }
    } catch (e) {
      throw storageError(e, this.description);
    }
    return out;
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      return { key, size: p.contentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw storageError(e, `${this.description} ${key}`);
    }
  }

  async openRead(key: string): Promise<Readable | null> {
    try {
      // The SDK's Node body is a Readable that resumes the download on a dropped connection (maxRetryRequests).
      const r = await this.container.getBlobClient(key).download(0, undefined, { maxRetryRequests: 3 });
      return (r.readableStreamBody ?? null) as Readable | null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw storageError(e, `${this.description} ${key}`);
    }
  }
}
