/**
 * spec.storage and spec.report.upload → plan. Pure, like the rest of compilation. Secrets (connection strings)
 * are wrapped in SecretText so that `plan --output json`, the journal and error messages never carry them.
 */
import { inputError } from '../util/errors.js';
import type { Scenario } from '../scenario/schema.js';
import { parseDuration } from '../util/duration.js';
import { SecretText, type DrillPlan, type StorageAuthPlan, type StoragePlan, type UploadPlan } from './types.js';

/** The variable the Azure CLI (and `dr-drill backups`) reads a connection string from. */
export const CONNECTION_STRING_ENV = 'AZURE_STORAGE_CONNECTION_STRING';
/** Default BSL container (Velero's docs and `backups --container`). */
export const DEFAULT_BSL_CONTAINER = 'velero';
/** Default immutability length of uploaded evidence. */
export const DEFAULT_IMMUTABLE_FOR_MS = 365 * 24 * 3600_000;

type Env = Readonly<Record<string, string | undefined>>;

/** How the two ways to name a storage account are written where a user gives them, for errors and hints. */
export interface StorageAuthNames {
  accountUrl: string;
  connectionString: string;
  /** How a user gives one: `set` a scenario field, `pass` a flag. */
  verb: 'set' | 'pass';
  /** Where, as the end of an error message: " in spec.storage", " for the uploaded report". */
  where: string;
}

/** The flags of the commands that read storage without a scenario (`backups`, `report verify --uploaded`). */
export const storageFlags = (where = ''): StorageAuthNames => ({
  accountUrl: '--account-url',
  connectionString: '--connection-string',
  verb: 'pass',
  where,
});

/** A scenario's storage block's fields (spec.storage, spec.report.upload). */
export const storageFields = (block: string): StorageAuthNames => ({
  accountUrl: `${block}.accountUrl`,
  connectionString: `${block}.connectionString`,
  verb: 'set',
  where: ` in ${block}`,
});

/**
 * The one check of a storage account's credentials, for scenarios and flags alike: an account URL (signed in with
 * DefaultAzureCredential) or a connection string, never both; with neither, `fallback`, else
 * $AZURE_STORAGE_CONNECTION_STRING; with none of those, an input error naming both ways. A connection string is
 * wrapped in SecretText at once, so no error message or report can carry it.
 */
export function storageAuth(
  given: { accountUrl?: string | undefined; connectionString?: string | undefined },
  names: StorageAuthNames,
  env: Env,
  fallback: StorageAuthPlan | null = null,
): StorageAuthPlan {
  const { accountUrl, connectionString } = given;
  if (accountUrl && connectionString)
    throw inputError(
      'STORAGE_TWO_CREDENTIALS',
      `both ${names.accountUrl} and ${names.connectionString} are given${names.where}`,
      'keep one of them',
    );
  if (accountUrl) return { kind: 'default-credential', accountUrl };
  if (connectionString) return { kind: 'connection-string', connectionString: new SecretText(connectionString) };
  if (fallback) return fallback;
  const fromEnv = env[CONNECTION_STRING_ENV];
  if (fromEnv) return { kind: 'connection-string', connectionString: new SecretText(fromEnv) };
  throw inputError(
    'STORAGE_NO_CREDENTIALS',
    `no storage account given${names.where}`,
    `${names.verb} ${names.accountUrl} or ${names.connectionString}, or export ${CONNECTION_STRING_ENV}`,
  );
}

/** A prefix as written, without leading/trailing slashes; null when empty. */
type UploadSpec = NonNullable<NonNullable<NonNullable<Scenario['spec']['report']>['upload']>>;

/** The policy length: immutableFor or immutability.days, never both (two lengths would leave one unsaid). */
function immutableForMs(up: UploadSpec): number {
  const days = up.immutability?.days;
  if (days !== undefined && up.immutableFor !== undefined) {
    throw inputError(
      'UPLOAD_TWO_LENGTHS',
      `spec.report.upload: immutableFor (${up.immutableFor}) and immutability.days (${days}) both set the policy length`,
      'keep one of them',
    );
  }
  if (days !== undefined) return days * 86_400_000;
  return up.immutableFor === undefined ? DEFAULT_IMMUTABLE_FOR_MS : parseDuration(up.immutableFor);
}

export function cleanPrefix(p: string | undefined | null): string | null {
  const c = (p ?? '').replace(/^\/+|\/+$/g, '');
  return c === '' ? null : c;
}

/** Same account when both are given the same way with the same value (the runtime check compares URLs). */
function sameAccount(a: StorageAuthPlan, b: StorageAuthPlan): boolean {
  if (a.kind === 'default-credential' && b.kind === 'default-credential')
    return a.accountUrl.replace(/\/+$/, '') === b.accountUrl.replace(/\/+$/, '');
  if (a.kind === 'connection-string' && b.kind === 'connection-string')
    return a.connectionString.reveal() === b.connectionString.reveal();
  return false;
}

/**
 * True when blobs under `<container>/<uploadPrefix>/<scenario>/` would land inside the BSL: Velero marks a BSL
 * Unavailable when foreign top-level folders appear under its prefix, and evidence must never mix with backups.
 */
export function overlapsBsl(
  bsl: { container: string; prefix: string | null },
  upload: { container: string; prefix: string | null },
  scenario: string,
): boolean {
  if (bsl.container !== upload.container) return false;
  if (bsl.prefix === null) return true;
  const path = `${upload.prefix ? `${upload.prefix}/` : ''}${scenario}/`;
  return path.startsWith(`${bsl.prefix}/`);
}

/**
 * Adds `storage` and `report.upload` to a compiled plan, and refuses what cannot run without a source cluster:
 * a backup the drill would take, or a namespace target (there is no source cluster to map namespaces in).
 */
export function addStoragePlans(plan: DrillPlan, s: Scenario, env: Env): void {
  const spec = s.spec;
  if (spec.storage) {
    const st = spec.storage;
    const storage: StoragePlan = {
      auth: storageAuth(st, storageFields('spec.storage'), env),
      container: st.container ?? DEFAULT_BSL_CONTAINER,
      prefix: cleanPrefix(st.prefix),
      caCertFile: st.caCertFile ?? null,
      selectBackup: spec.source === undefined,
    };
    plan.storage = storage;
    if (storage.selectBackup) {
      if (plan.backup.mode === 'create') {
        throw inputError(
          'SOURCELESS_CREATE',
          'spec.backup.create needs a source cluster, and spec.source is omitted (the backup is selected from spec.storage)',
          'name the backup (spec.backup.name) or its schedule (spec.backup.fromSchedule), or add spec.source',
        );
      }
      if (plan.target.kind !== 'cluster') {
        throw inputError(
          'SOURCELESS_TARGET',
          `a drill without a source cluster needs a cluster target, not a ${plan.target.kind} target`,
          'set spec.target.cluster.kubeContext to the DR cluster, whose Velero has a BSL on the same container and prefix',
        );
      }
    }
  }
  const up = spec.report?.upload;
  if (up) {
    const upload: UploadPlan = {
      auth: storageAuth(up, storageFields('spec.report.upload'), env, plan.storage?.auth ?? null),
      container: up.container,
      prefix: cleanPrefix(up.prefix),
      immutableForMs: immutableForMs(up),
      immutabilityMode: up.immutability?.lock ? 'Locked' : 'Unlocked',
    };
    if (
      plan.storage &&
      sameAccount(plan.storage.auth, upload.auth) &&
      overlapsBsl(plan.storage, upload, plan.scenario.name)
    ) {
      throw inputError(
        'UPLOAD_INTO_BSL',
        `spec.report.upload (${upload.container}/${upload.prefix ?? ''}) is inside the backup storage location (${plan.storage.container}/${plan.storage.prefix ?? ''})`,
        'upload evidence to a separate container: Velero marks a BSL Unavailable when foreign folders appear in it',
      );
    }
    plan.report.upload = upload;
  }
}
