/** Parsing Velero's restore artefacts: the results file and the restored resource list. */
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

export function countMessages(m: ResultMessages): number {
  return m.velero.length + m.cluster.length + Object.values(m.namespaces).reduce((n, l) => n + l.length, 0);
}

/** What Velero did with one item of a restore (its resource list's words; others kept as written). */
export type RestoreAction = 'created' | 'updated' | 'skipped' | 'failed' | string;

/** One item of a restore's resource list. */
export interface RestoredItem {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  action: RestoreAction;
}

/**
 * restore-<r>-resource-list.json.gz: `{"apps/v1/Deployment": ["ns/name(created)", ...], "v1/PersistentVolume":
 * ["pv-name(created)"]}` (velero pkg/restore/request.go RestoredResourceList). The key is apiVersion/Kind.
 */
export function parseRestoredResourceList(json: unknown): RestoredItem[] {
  const out: RestoredItem[] = [];
  for (const [key, entries] of Object.entries((json ?? {}) as Record<string, string[]>)) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    for (const entry of entries ?? []) {
      const m = /^(.*)\(([a-zA-Z]+)\)$/.exec(entry);
      if (!m) continue;
      const [, ref, action] = m;
      const i = ref.indexOf('/');
      out.push(
        i >= 0
          ? { apiVersion, kind, namespace: ref.slice(0, i), name: ref.slice(i + 1), action }
          : { apiVersion, kind, namespace: null, name: ref, action },
      );
    }
  }
  return out;
}
