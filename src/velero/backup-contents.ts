/**
 * Reads selected objects out of a backup's `<b>.tar.gz` in one streaming pass: only the unversioned item copies
 * of the wanted group-resources are parsed, everything else is skipped unread, so a large backup costs a pass
 * over its bytes, not its size in memory. What it inflates to and what it keeps are capped (util/size-cap.ts).
 * The archive is parsed by the same reader verify uses (util/tar-reader.ts).
 */
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { KubeObject } from '../kube/types.js';
import { parseArchivePath } from './storage-layout.js';
import type { BackupItem } from './volume-facts.js';
import { artifactLimit, byteLimit, tooLarge } from '../util/size-cap.js';
import { TarReader } from '../util/tar-reader.js';

/** etcd caps an object at ~1.5 MiB: a bigger entry is not an item Velero wrote. */
const MAX_ITEM_BYTES = 32 << 20;

/** Items of the wanted group-resources (e.g. `persistentvolumes`, `deployments.apps`) in the given namespaces (cluster-scoped items always). */
export async function readBackupItems(
  source: Readable,
  wanted: ReadonlySet<string>,
  namespaces: ReadonlySet<string> | null,
  what = 'the backup contents',
): Promise<BackupItem[]> {
  const items: BackupItem[] = [];
  const keptLimit = artifactLimit('kept');
  let kept = 0;
  const reader = new TarReader({
    wantBody: (entry) => {
      const p = parseArchivePath(entry.name);
      const keep =
        p.kind === 'item' &&
        p.version === null &&
        wanted.has(p.groupResource) &&
        (p.namespace === null || namespaces === null || namespaces.has(p.namespace));
      if (!keep || entry.size > MAX_ITEM_BYTES) return false;
      kept += entry.size;
      // Thrown here, before the body is held: the reader fails the pipeline with it.
      if (kept > keptLimit) throw tooLarge(`the items read from ${what}`, keptLimit, 'is larger than');
      return true;
    },
    onEntry: (entry, body) => {
      if (body === null) return;
      const p = parseArchivePath(entry.name);
      if (p.kind !== 'item') return;
      try {
        items.push({
          groupResource: p.groupResource,
          namespace: p.namespace,
          name: p.name,
          object: JSON.parse(body.toString('utf8')) as KubeObject,
        });
      } catch {
        // A damaged item is verify's business (integrity phase); readiness reads what it can.
      }
    },
  });
  await pipeline(source, createGunzip(), byteLimit(what, artifactLimit('stream'), 'inflates past'), reader);
  return items;
}
