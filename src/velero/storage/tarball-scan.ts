/**
 * One streaming pass over `<b>.tar.gz`: gunzip → tar reader, every entry read once and dropped. Memory is the
 * resource list being checked off plus one item at a time, so a 100,000-item backup never sits in memory.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { Readable } from 'node:stream';
import { parseArchivePath, resourceListEntry, resourceListKey } from '../storage-layout.js';
import { setOwn } from '../../util/own-keys.js';
import { artifactLimit, byteLimit } from '../../util/size-cap.js';
import { isDrillError } from '../../util/errors.js';
import { TarReader, type TarEntry } from '../../util/tar-reader.js';

/** Largest tar entry read into memory; etcd caps objects at ~1.5 MiB, so anything bigger is not an item. */
const MAX_ENTRY_BYTES = 32 << 20;

/** A problem found inside the tarball. */
export interface TarballProblem {
  problem:
    | 'truncated gzip'
    | 'bad gzip'
    | 'bad tar'
    | 'bad JSON'
    | 'item path does not match its metadata'
    | 'preferred-version copy differs from item'
    | 'item without its preferred-version copy'
    | 'preferred-version copy without its item';
  /** The tar path or item the problem is about. */
  detail: string;
}

/** What the tarball holds. */
export interface TarballScan {
  /** Bytes after gunzip. */
  uncompressedBytes: number;
  /** Tar entries, every kind. */
  entries: number;
  /** Content of `metadata/version`, trimmed; null when absent. */
  formatVersion: string | null;
  /** Items (the unversioned copies), i.e. what Velero counts as backed up. */
  items: number;
  /** `<v>-preferredversion` copies seen. */
  preferredCopies: number;
  /** Copies under non-preferred versions (EnableAPIGroupVersions). */
  otherVersionCopies: number;
  /** Entries that are neither items nor metadata/version. */
  otherEntries: string[];
  /** Items per namespace (cluster-scoped items are not counted here). */
  byNamespace: Record<string, number>;
  /** Items per resource-list key (`apps/v1/Deployment`). */
  byKind: Record<string, number>;
  /** Cluster-scoped items. */
  clusterScoped: number;
  problems: TarballProblem[];
}

/**
 * Velero stores items with Go's json.Marshal of a map, which sorts keys, so every item starts with
 * `{"apiVersion":"…","kind":"…",`. Reading those two from the head is enough for the resource-list cross-check;
 * the gzip CRC already proves the bytes are the ones Velero wrote. Items of any other shape, and every item in
 * deep mode, are fully decoded and their metadata checked against their path.
 */
const GO_MARSHAL_HEAD = /^\{"apiVersion":"([^"\\]+)","kind":"([^"\\]+)","/;

/** Called for every item with its resource-list key (`v1/Pod`) and entry (`ns/name` or `name`). */
export type ItemVisitor = (key: string, entry: string, tarPath: string) => void;

interface Held {
  id: string;
  path: string;
  body: Buffer;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function classifyStreamError(e: unknown): TarballProblem['problem'] {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((e as Error).message)) return 'truncated gzip';
  if (code.startsWith('Z_')) return 'bad gzip';
  return 'bad tar';
}

/**
 * Scan a gzip tarball stream; `deep` JSON-decodes every item instead of reading apiVersion/kind from its head.
 * Stream errors that are not gzip/tar problems (network, auth) are rethrown by the
 * caller's `onSourceError` mapping; gzip/tar damage becomes a problem, and what was read until then is counted.
 */
export async function scanTarball(
  source: Readable,
  visit: ItemVisitor,
  mapSourceError: (e: unknown) => Error,
  deep = false,
): Promise<TarballScan> {
  const scan: TarballScan = {
    uncompressedBytes: 0,
    entries: 0,
    formatVersion: null,
    items: 0,
    preferredCopies: 0,
    otherVersionCopies: 0,
    otherEntries: [],
    byNamespace: {},
    byKind: {},
    clusterScoped: 0,
    problems: [],
  };
  // Tallied in Maps (names from the tarball may be `__proto__`) and copied out once at the end.
  const byNamespace = new Map<string, number>();
  const byKind = new Map<string, number>();
  // Velero writes an item and its preferred-version copy back to back under one lock (item_backupper.go), so the
  // common case compares with the previous entry; only out-of-order pairs are remembered, by hash.
  let last: Held | null = null;
  const unpairedItems = new Map<string, { path: string; hash: string }>();
  const strayCopies = new Map<string, { path: string; hash: string }>();
  const release = () => {
    if (last) unpairedItems.set(last.id, { path: last.path, hash: sha(last.body) });
    last = null;
  };

  const onEntry = (name: string, body: Buffer) => {
    const p = parseArchivePath(name);
    if (p.kind === 'version') {
      scan.formatVersion = body.toString('utf8').trim();
      return;
    }
    if (p.kind === 'other') {
      if (scan.otherEntries.length < 100) scan.otherEntries.push(name);
      return;
    }
    const id = `${p.groupResource}|${p.namespace ?? ''}|${p.name}`;
    if (p.version !== null && p.preferred) {
      scan.preferredCopies++;
      if (last && last.id === id) {
        if (!last.body.equals(body))
          scan.problems.push({ problem: 'preferred-version copy differs from item', detail: name });
        last = null;
      } else {
        release();
        if (!isJson(body)) scan.problems.push({ problem: 'bad JSON', detail: name });
        strayCopies.set(id, { path: name, hash: sha(body) });
      }
      return;
    }
    if (p.version !== null) {
      scan.otherVersionCopies++;
      if (!isJson(body)) scan.problems.push({ problem: 'bad JSON', detail: name });
      return;
    }
    release();
    let apiVersion: string;
    let kind: string;
    const head = deep ? null : GO_MARSHAL_HEAD.exec(body.toString('latin1', 0, Math.min(body.length, 256)));
    if (head && body[body.length - 1] === 0x7d) {
      apiVersion = head[1]!;
      kind = head[2]!;
    } else {
      let obj: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      try {
        obj = JSON.parse(body.toString('utf8'));
      } catch (e) {
        scan.problems.push({ problem: 'bad JSON', detail: `${name}: ${(e as Error).message}` });
        return;
      }
      const ns = obj?.metadata?.namespace ?? null;
      if (
        typeof obj?.apiVersion !== 'string' ||
        typeof obj.kind !== 'string' ||
        obj.metadata?.name !== p.name ||
        (ns || null) !== p.namespace
      ) {
        scan.problems.push({ problem: 'item path does not match its metadata', detail: name });
      }
      apiVersion = String(obj?.apiVersion);
      kind = String(obj?.kind);
    }
    scan.items++;
    const key = resourceListKey(apiVersion, kind);
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
    if (p.namespace === null) scan.clusterScoped++;
    else byNamespace.set(p.namespace, (byNamespace.get(p.namespace) ?? 0) + 1);
    visit(key, resourceListEntry(p.namespace, p.name), name);
    last = { id, path: name, body };
  };

  const reader = new TarReader({
    wantBody: (e) => isFile(e) && e.size <= MAX_ENTRY_BYTES,
    onEntry: (e, body) => {
      scan.entries++;
      if (body) onEntry(e.name, body);
      else if (isFile(e) && scan.otherEntries.length < 100)
        scan.otherEntries.push(`${e.name} (${e.size} bytes, not read)`);
    },
  });

  let sourceError: unknown = null;
  let streamBroken = false;
  source.on('error', (e) => {
    sourceError = e;
  });
  try {
    // A deep output buffer lets zlib (on the thread pool) inflate ahead while this thread parses entries.
    await pipeline(
      source,
      createGunzip({ chunkSize: 1 << 20, highWaterMark: 4 << 20 } as ZlibOptions),
      // Memory is bounded per entry; this bounds the time a gzip bomb could spin.
      byteLimit('the backup tarball', artifactLimit('stream'), 'inflates past'),
      reader,
    );
  } catch (e) {
    if (sourceError) throw mapSourceError(sourceError);
    if (isDrillError(e)) throw e;
    scan.problems.push({ problem: classifyStreamError(e), detail: (e as Error).message });
    streamBroken = true;
  }
  scan.uncompressedBytes = reader.bytes;
  for (const [k, n] of byKind) setOwn(scan.byKind, k, n);
  for (const [ns, n] of byNamespace) setOwn(scan.byNamespace, ns, n);
  release();
  // After a truncated or corrupt stream, unmatched copies are an echo of that damage, not separate defects.
  if (streamBroken) return scan;

  for (const [id, item] of unpairedItems) {
    const copy = strayCopies.get(id);
    if (!copy) continue;
    if (copy.hash !== item.hash)
      scan.problems.push({ problem: 'preferred-version copy differs from item', detail: copy.path });
    unpairedItems.delete(id);
    strayCopies.delete(id);
  }
  // Archives from before API group versions (Velero < 1.4) have no copies at all; that is a format, not damage.
  if (scan.preferredCopies > 0) {
    for (const it of unpairedItems.values())
      scan.problems.push({ problem: 'item without its preferred-version copy', detail: it.path });
  }
  for (const c of strayCopies.values())
    scan.problems.push({ problem: 'preferred-version copy without its item', detail: c.path });
  return scan;
}

const isFile = (e: TarEntry) => e.type === 'file' || e.type === 'contiguous-file';

function isJson(b: Buffer): boolean {
  try {
    JSON.parse(b.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
