import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { infraError } from '../util/errors.js';
import { VELERO_API, type BackupStorageLocation } from './types.js';

/** Velero is installed when the API server serves its CRDs; otherwise a clear ERROR with a hint. */
export async function requireVelero(gw: KubeGateway, veleroNamespace: string): Promise<void> {
  const scope = await gw.scope(VELERO_API, 'Restore');
  if (scope === null) {
    throw infraError(
      'VELERO_NOT_INSTALLED',
      `context ${gw.context}: Velero is not installed (the velero.io/v1 CRDs are missing)`,
      `install Velero in context ${gw.context} (velero install …) or point the scenario at the context where it runs`,
    );
  }
  const ns = await gw.get({ apiVersion: 'v1', kind: 'Namespace', name: veleroNamespace });
  if (!ns) {
    throw infraError(
      'VELERO_NAMESPACE_MISSING',
      `context ${gw.context}: namespace ${veleroNamespace} does not exist`,
      'set veleroNamespace in the scenario to the namespace where Velero runs',
    );
  }
}

/**
 * The BSL a restore will read through must be Available; an Unavailable one makes restores fail validation and
 * Restore deletion hang on its finalizer, so the drill stops before it creates anything.
 */
export async function requireAvailableBsl(
  gw: KubeGateway,
  veleroNamespace: string,
  name: string | null,
): Promise<BackupStorageLocation> {
  const { items } = await gw.list({
    apiVersion: VELERO_API,
    kind: 'BackupStorageLocation',
    namespace: veleroNamespace,
  });
  const bsls = items as BackupStorageLocation[];
  const bsl = name ? bsls.find((b) => b.metadata.name === name) : (bsls.find((b) => b.spec?.default) ?? bsls[0]);
  if (!bsl) {
    throw infraError(
      'BSL_MISSING',
      `context ${gw.context}: no BackupStorageLocation${name ? ` named ${name}` : ''} in ${veleroNamespace}`,
      'create a BackupStorageLocation on the backup storage (ReadOnly on a DR cluster)',
    );
  }
  if (bsl.status?.phase !== 'Available') {
    throw infraError(
      'BSL_UNAVAILABLE',
      `context ${gw.context}: BackupStorageLocation ${bsl.metadata.name} is ${bsl.status?.phase ?? 'not yet validated'}${bsl.status?.message ? `: ${bsl.status.message}` : ''}`,
      'fix the storage credentials or network path of the BSL, then wait for Velero to mark it Available',
    );
  }
  return bsl;
}

/** Same container and prefix: a target cluster sees the source's backups only through such a BSL. */
export function sameStorage(a: BackupStorageLocation, b: BackupStorageLocation): boolean {
  const norm = (p?: string) => (p ?? '').replace(/^\/+|\/+$/g, '');
  const acct = (x: BackupStorageLocation) => x.spec?.config?.storageAccountURI ?? x.spec?.config?.storageAccount ?? '';
  return (
    a.spec?.objectStorage?.bucket === b.spec?.objectStorage?.bucket &&
    norm(a.spec?.objectStorage?.prefix) === norm(b.spec?.objectStorage?.prefix) &&
    acct(a).replace(/\/+$/, '') === acct(b).replace(/\/+$/, '')
  );
}

/** The PEM a BSL trusts for its object store (objectStorage.caCert, base64), or null: artefact downloads trust it too. */
export function bslCaCertPem(bsl: BackupStorageLocation | null | undefined): string | null {
  const ca = bsl?.spec?.objectStorage?.caCert;
  return ca ? Buffer.from(ca, 'base64').toString('utf8') : null;
}

/** Whether the API server serves Velero's CRDs (its Restore kind stands for them all). */
export async function veleroServed(gw: KubeGateway): Promise<boolean> {
  return (await gw.scope(VELERO_API, 'Restore')) !== null;
}

/** Whether the API server serves the BackupStorageLocation kind yet (a CRD is served a moment after it is created). */
export async function bslKindServed(gw: KubeGateway): Promise<boolean> {
  return (await gw.scope(VELERO_API, 'BackupStorageLocation')) !== null;
}

/** The BackupStorageLocations in Velero's namespace, or in every namespace when none is given. */
export async function listBsls(gw: KubeGateway, veleroNamespace?: string): Promise<BackupStorageLocation[]> {
  const { items } = await gw.list({
    apiVersion: VELERO_API,
    kind: 'BackupStorageLocation',
    ...(veleroNamespace === undefined ? {} : { namespace: veleroNamespace }),
  });
  return items as BackupStorageLocation[];
}

/** Namespaces where Velero keeps BackupStorageLocations: where Velero runs. */
export async function veleroHomes(gw: KubeGateway): Promise<Set<string | undefined>> {
  return new Set((await listBsls(gw)).map((b) => b.metadata.namespace));
}

/** The VolumeSnapshotLocations in Velero's namespace (where native snapshots are taken and restored from). */
export async function listSnapshotLocations(gw: KubeGateway, veleroNamespace: string): Promise<KubeObject[]> {
  return (await gw.list({ apiVersion: VELERO_API, kind: 'VolumeSnapshotLocation', namespace: veleroNamespace })).items;
}

/** The source BSL a backup lives in and the target's BSL on the same storage (null where there is none). */
export interface StoragePath {
  source: BackupStorageLocation | null;
  target: BackupStorageLocation | null;
}

/**
 * How a target cluster sees a source backup's storage, asked the same way by `plan` and `run`: the backup's own
 * BSL (its spec.storageLocation) when known, else the source's default, else its only one; then the target's BSL
 * on the same container and prefix (sameStorage).
 */
export async function storagePath(
  source: KubeGateway,
  sourceVeleroNamespace: string,
  target: KubeGateway,
  targetVeleroNamespace: string,
  backupBsl: string | null,
): Promise<StoragePath> {
  const bsls = await listBsls(source, sourceVeleroNamespace);
  const src =
    (backupBsl !== null ? bsls.find((b) => b.metadata.name === backupBsl) : undefined) ??
    bsls.find((b) => b.spec?.default) ??
    (bsls.length === 1 ? bsls[0]! : null);
  if (!src) return { source: null, target: null };
  const match = (await listBsls(target, targetVeleroNamespace)).find((b) => sameStorage(b, src)) ?? null;
  return { source: src, target: match };
}

/** Where a BSL points, for messages: container/prefix. */
export function storageWhere(bsl: BackupStorageLocation): string {
  return `${bsl.spec?.objectStorage?.bucket ?? '?'}/${bsl.spec?.objectStorage?.prefix ?? ''}`;
}
