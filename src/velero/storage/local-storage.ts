/**
 * BackupStorage over a local directory laid out like the bucket (keys are relative paths). Used by the
 * benchmark (so that network speed does not hide verify's own throughput) and for fixture sets copied out of
 * a real bucket.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { storageLayout } from '../storage-layout.js';
import type { BackupStorage, StoredObject } from './backup-storage.js';

/** Open a directory as a read-only BSL with the given prefix. */
export function openLocalStorage(dir: string, prefix?: string): BackupStorage {
  const layout = storageLayout(prefix);
  const toKey = (p: string) => relative(dir, p).split(sep).join('/');

  async function walk(d: string, out: StoredObject[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, out);
      else if (e.isFile()) out.push({ key: toKey(p), size: (await stat(p)).size });
    }
  }

  return {
    layout,
    description: `directory ${dir}${layout.root ? ` (prefix ${layout.root})` : ''}`,
    async listPrefixes(prefix) {
      try {
        const entries = await readdir(join(dir, prefix), { withFileTypes: true });
        return entries.filter((e) => e.isDirectory()).map((e) => `${prefix}${e.name}/`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    },
    async listObjects(prefix) {
      const out: StoredObject[] = [];
      // Walk from the deepest directory the prefix names, then filter by the full prefix.
      const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
      await walk(join(dir, base), out);
      return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
    },
    async stat(key) {
      try {
        const s = await stat(join(dir, key));
        return s.isFile() ? { key, size: s.size } : null;
      } catch {
        return null;
      }
    },
    async openRead(key): Promise<Readable | null> {
      try {
        const s = await stat(join(dir, key));
        if (!s.isFile()) return null;
      } catch {
        return null;
      }
      return createReadStream(join(dir, key), { highWaterMark: 1 << 20 });
    },
  };
}
