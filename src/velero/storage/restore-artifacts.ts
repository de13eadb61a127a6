/**
 * What a restore left in the backup's storage location: its warnings/errors (`restore-<r>-results.gz`) and
 * what it did to each object (`restore-<r>-resource-list.json.gz`). The drill engine reads these instead of
 * a DownloadRequest, which needs the source cluster and whose `spr=https` URLs do not work against Azurite.
 */
import { infraError } from '../../util/errors.js';
import { parseRestoreResults, parseRestoredResourceList, RestoredListError, type RestoredItem } from '../results.js';
import type { RestoreResults } from '../types.js';
import type { BackupStorage } from './backup-storage.js';
import { readGzipJsonArtifact, shapes, type ArtifactRead } from './read-artifact.js';

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
  return parseRestoreResults(r.value);
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
  try {
    return parseRestoredResourceList(r.value);
  } catch (e) {
    if (!(e instanceof RestoredListError)) throw e;
    fail(restoreName, 'resource list', { ok: false, key: r.key, problem: 'unexpected shape', detail: e.detail });
  }
}
