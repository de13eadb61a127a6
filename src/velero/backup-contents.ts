/**
 * Reads selected objects out of a backup's `<b>.tar.gz` in one streaming pass: only the unversioned item copies
 * of the wanted group-resources are parsed, everything else is skipped unread, so a large backup costs a pass
 * over its bytes, not its size in memory. What it inflates to and what it keeps are capped (util/size-cap.ts).
 */
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { KubeObject } from '../kube/types.js';
import { parseArchivePath } from './storage-layout.js';
import type { BackupItem } from './volume-facts.js';
import { artifactLimit, byteLimit, tooLarge } from '../util/size-cap.js';

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
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // A failed pipeline destroys the current entry with the same error; the pipeline reports it once.
    stream.on('error', () => {});
    const p = parseArchivePath(header.name);
    const keep =
      p.kind === 'item' &&
      p.version === null &&
      wanted.has(p.groupResource) &&
      (p.namespace === null || namespaces === null || namespaces.has(p.namespace));
    if (!keep || (header.size ?? 0) > MAX_ITEM_BYTES) {
      stream.on('end', () => next()).resume();
      return;
    }
    kept += header.size ?? 0;
    if (kept > keptLimit) {
      extract.destroy(tooLarge(`the items read from ${what}`, keptLimit, 'is larger than'));
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      try {
        items.push({
          groupResource: p.groupResource,
          namespace: p.namespace,
          name: p.name,
          object: JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject,
        });
      } catch {
        // A damaged item is verify's business (integrity phase); readiness reads what it can.
      }
      next();
    });
  });
  await pipeline(source, createGunzip(), byteLimit(what, artifactLimit('stream'), 'inflates past'), extract);
  return items;
}
