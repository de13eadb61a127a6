/**
 * The one parser of a restore's artefacts, whichever way they were read (storage, a DownloadRequest): the results
 * file (`restore-<r>-results.gz`, also a backup's `<b>-results.gz`) and the restored resource list
 * (`restore-<r>-resource-list.json.gz`).
 */
import { RESTORE_ITEM_ACTIONS, type RestoreItemAction } from './storage-layout.js';
import { shapes } from './storage/read-artifact.js';
import type { ResultMessages, RestoreResults } from './types.js';

function messages(x: unknown): ResultMessages {
  const r = (x ?? {}) as { velero?: string[]; cluster?: string[]; namespaces?: Record<string, string[]> };
  return { velero: r.velero ?? [], cluster: r.cluster ?? [], namespaces: r.namespaces ?? {} };
}

/** `{"warnings": Result, "errors": Result}` as Velero writes restore-<r>-results.gz. */
export function parseRestoreResults(json: unknown): RestoreResults {
  const r = (json ?? {}) as { warnings?: unknown; errors?: unknown };
  return { warnings: messages(r.warnings), errors: messages(r.errors) };
}

/** Total number of messages in a Result (Velero's status.warnings / status.errors count the same way). */
export function countMessages(m: ResultMessages): number {
  return m.velero.length + m.cluster.length + Object.values(m.namespaces).reduce((n, l) => n + l.length, 0);
}

/** One item of a restore's resource list: what Velero did to one object. */
export interface RestoredItem {
  apiVersion: string;
  kind: string;
  /** The namespace as restored (after namespace mapping); null for cluster-scoped objects. */
  namespace: string | null;
  /** The name as created (Velero records the server-assigned name for generateName objects). */
  name: string;
  action: RestoreItemAction;
}

const ENTRY = /^(?:([^/()]+)\/)?([^/()]+)\(([a-z]+)\)$/;

/** One entry under its `<apiVersion>/<Kind>` key: `ns/name(created)` or `name(skipped)`; null for anything else. */
export function parseRestoredEntry(key: string, entry: string): RestoredItem | null {
  const m = ENTRY.exec(entry);
  if (!m || !(RESTORE_ITEM_ACTIONS as readonly string[]).includes(m[3]!)) return null;
  const slash = key.lastIndexOf('/');
  return {
    apiVersion: key.slice(0, slash),
    kind: key.slice(slash + 1),
    namespace: m[1] ?? null,
    name: m[2]!,
    action: m[3] as RestoreItemAction,
  };
}

/** The resource list holds something that is not Velero's `{"<apiVersion>/<Kind>": ["[ns/]name(action)"]}`. */
export class RestoredListError extends Error {
  constructor(readonly detail: string) {
    super(`the restored resource list does not read: ${detail}`);
    this.name = 'RestoredListError';
  }
}

/**
 * restore-<r>-resource-list.json.gz: `{"apps/v1/Deployment": ["ns/name(created)", ...], "v1/PersistentVolume":
 * ["pv-name(created)"]}` (velero pkg/restore/request.go RestoredResourceList). Null or absent is no items. Throws a
 * RestoredListError on any other shape or entry: teardown deletes by this list, and deleting by a misread one
 * would be worse than falling back to the drill's labels.
 */
export function parseRestoredResourceList(json: unknown): RestoredItem[] {
  const bad = shapes.resourceList(json ?? null);
  if (bad) throw new RestoredListError(bad);
  const out: RestoredItem[] = [];
  for (const [key, entries] of Object.entries((json ?? {}) as Record<string, string[]>)) {
    for (const e of entries) {
      const item = parseRestoredEntry(key, e);
      if (!item) throw new RestoredListError(`entry "${e}" under "${key}"`);
      out.push(item);
    }
  }
  return out;
}
