/**
 * A fingerprint of what a writer can change in an object, for proving it was left alone: uid plus SHA-256 digests
 * of its labels, annotations, spec, data and other top-level content. Left out: status and server-managed
 * metadata (resourceVersion, managedFields, generation…), which controllers bump all the time.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './types.js';

/** The parts of an object the blast-radius proof digests apart, so a change can be named. */
export type DigestPart = 'labels' | 'annotations' | 'spec' | 'data' | 'content';

/** An object's uid and a digest per part: equal digests before and after mean the drill did not touch it. */
export interface ObjectDigest {
  uid: string | null;
  parts: Record<DigestPart, string>;
}

/**
 * Velero's bookkeeping labels. Under `existingResourcePolicy: update` Velero patches them onto existing objects it
 * otherwise leaves unchanged and lists as `skipped` (restore.go updateBackupRestoreLabels); they are not a change
 * of the object's meaning, and an `update` that changes anything else is still caught.
 */
export const IGNORED_LABELS = ['velero.io/restore-name', 'velero.io/backup-name'] as const;

const DATA_KEYS = ['data', 'stringData', 'binaryData'];
const NOT_CONTENT = new Set(['apiVersion', 'kind', 'metadata', 'status', 'spec', ...DATA_KEYS]);

/** JSON with object keys sorted at every level, so that equal objects give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

const sha = (v: unknown) => createHash('sha256').update(canonical(v)).digest('hex');

export function digestObject(o: KubeObject): ObjectDigest {
  const labels = { ...(o.metadata.labels ?? {}) };
  for (const l of IGNORED_LABELS) delete labels[l];
  const rec = o as Record<string, unknown>;
  return {
    uid: o.metadata.uid ?? null,
    parts: {
      labels: sha(labels),
      annotations: sha(o.metadata.annotations ?? {}),
      spec: sha(o.spec ?? null),
      data: sha(Object.fromEntries(DATA_KEYS.map((k) => [k, rec[k]]))),
      content: sha(
        Object.fromEntries(
          Object.keys(rec)
            .filter((k) => !NOT_CONTENT.has(k))
            .map((k) => [k, rec[k]]),
        ),
      ),
    },
  };
}

/** What differs between two digests of one object, in words; null when nothing does. */
export function digestChange(before: ObjectDigest, after: ObjectDigest | null): string | null {
  if (!after) return 'gone';
  if (before.uid && after.uid && before.uid !== after.uid) return `replaced (uid ${before.uid} → ${after.uid})`;
  const changed = (Object.keys(before.parts) as DigestPart[]).filter((p) => before.parts[p] !== after.parts[p]);
  return changed.length ? `${changed.join(', ')} changed` : null;
}
