/**
 * What a restore left in the backup's storage location: its warnings/errors (`restore-<r>-results.gz`) and
 * what it did to each object (`restore-<r>-resource-list.json.gz`). The drill engine reads these instead of
 * a DownloadRequest, which needs the source cluster and whose `spr=https` URLs do not work against Azurite.
 */
import { RESTORE_ITEM_ACTIONS, type RestoreItemAction } from '../storage-layout.js';
import { infraError } from '../../util/errors.js';
import type { BackupStorage } from './backup-storage.js';
import { readGzipJsonArtifact, shapes, type ArtifactRead } from './read-artifact.js';

/** Velero's results.Result: messages about Velero itself, cluster-scoped objects, and per namespace. */
export interface VeleroResult {
  velero: string[];
  cluster: string[];
  namespaces: Record<string, string[]>;
}

/** `restore-<r>-results.gz`. */
export interface RestoreResults {
  warnings: VeleroResult;
  errors: VeleroResult;
}

/** One line of `restore-<r>-resource-list.json.gz`. */
export interface RestoredItem {
  /** The resource-list key, `<apiVersion>/<Kind>`: `v1/Pod`, `apps/v1/Deployment`. */
  key: string;
  /** The namespace as restored (after namespace mapping); null for cluster-scoped objects. */
  namespace: string | null;
  /** The name as created (Velero records the server-assigned name for generateName objects). */
  name: string;
  action: RestoreItemAction;
}

function toResult(v: unknown): VeleroResult {
  const r = (v ?? {}) as Partial<VeleroResult>;
  return { velero: r.velero ?? [], cluster: r.cluster ?? [], namespaces: r.namespaces ?? {} };
}

/** Total number of messages in a Result (Velero's status.warnings / status.errors count the same way). */
export function countResult(r: VeleroResult): number {
  return r.velero.length + r.cluster.length + Object.values(r.namespaces).reduce((n, l) => n + l.length, 0);
}

function fail(restore: string, what: string, r: Extract<ArtifactRead<unknown>, { ok: false }>): never {
  throw infraError(
    r.problem === 'missing' ? 'RESTORE_ARTIFACT_MISSING' : 'RESTORE_ARTIFACT_DEFECTIVE',
    `${what} of restore ${restore}: ${r.problem} (${r.key})${r.problem === 'missing' ? '' : `: ${r.detail}`}`,
    r.problem === 'missing'
      ? 'the restore has not finished, was deleted, or its BSL is not this container/prefix'
      : 'the file is damaged; read the restore with `velero restore describe`',
  );
}

/**
 * The restore's warnings and errors. Returns null when the file does not exist (a restore still running or
 * deleted — Velero's own tryGet treats that as "no results"); throws when it exists but does not decode.
 */
export async function readRestoreResults(storage: BackupStorage, restoreName: string): Promise<RestoreResults | null> {
  const r = await readGzipJsonArtifact<{ warnings?: unknown; errors?: unknown }>(
    storage,
    storage.layout.restoreKey(restoreName, 'results'),
    shapes.results,
  );
  if (!r.ok) {
    if (r.problem === 'missing') return null;
    fail(restoreName, 'results', r);
  }
  return { warnings: toResult(r.value.warnings), errors: toResult(r.value.errors) };
}

const ENTRY = /^(?:([^/()]+)\/)?([^/()]+)\(([a-z]+)\)$/;

/** Parse one entry: `ns/name(created)` or `name(skipped)`. Returns null for anything else. */
export function parseRestoredEntry(key: string, entry: string): RestoredItem | null {
  const m = ENTRY.exec(entry);
  if (!m || !(RESTORE_ITEM_ACTIONS as readonly string[]).includes(m[3]!)) return null;
  return { key, namespace: m[1] ?? null, name: m[2]!, action: m[3] as RestoreItemAction };
}

/**
 * What the restore did to each object. Returns null when the file does not exist; throws when it does not
 * decode or holds an entry that is not `[ns/]name(action)` (deleting by a misread list would be worse).
 */
export async function readRestoreResourceList(
  storage: BackupStorage,
  restoreName: string,
): Promise<RestoredItem[] | null> {
  const r = await readGzipJsonArtifact<Record<string, string[]> | null>(
    storage,
    storage.layout.restoreKey(restoreName, 'resourceList'),
    shapes.resourceList,
  );
  if (!r.ok) {
    if (r.problem === 'missing') return null;
    fail(restoreName, 'resource list', r);
  }
  const out: RestoredItem[] = [];
  for (const [key, entries] of Object.entries(r.value ?? {})) {
    for (const e of entries) {
      const item = parseRestoredEntry(key, e);
      if (!item)
        fail(restoreName, 'resource list', {
          ok: false,
          key: r.key,
          problem: 'unexpected shape',
          detail: `entry "${e}" under "${key}"`,
        });
      out.push(item);
    }
  }
  return out;
}
