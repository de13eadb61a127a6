/**
 * Reading Velero's small artifacts (JSON and gzip JSON) with the outcome as a value: verify needs to name
 * *what* is wrong with a file (missing, truncated gzip, bad JSON), not just that reading it failed. Only
 * infrastructure failures (unreachable, auth) are thrown.
 */
import { createGunzip } from 'node:zlib';
import type { BackupStorage } from './backup-storage.js';
import { storageError } from './storage-errors.js';
import { isDrillError } from '../../util/errors.js';
import { artifactLimit, byteLimit, collectCapped, gunzipCapped } from '../../util/size-cap.js';

/** A defect in one artifact, in words verify prints. */
export type ArtifactProblem = 'missing' | 'truncated gzip' | 'bad gzip' | 'bad JSON' | 'unexpected shape';

/** The outcome of reading one artifact. */
export type ArtifactRead<T> =
  | { ok: true; key: string; value: T; bytes: number }
  | { ok: false; key: string; problem: ArtifactProblem; detail: string };

/** Classify a zlib error: an early end is a truncated upload, anything else a corrupt stream. */
export function gzipProblem(e: unknown): ArtifactProblem {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(String((e as Error).message))
    ? 'truncated gzip'
    : 'bad gzip';
}

async function readRaw(
  storage: BackupStorage,
  key: string,
  gzip: boolean,
): Promise<{ buf: Buffer; bytes: number } | ArtifactRead<never>> {
  const body = await storage.openRead(key);
  if (!body) return { ok: false, key, problem: 'missing', detail: 'not found' };
  const what = `${storage.description} ${key}`;
  let raw: Buffer;
  try {
    raw = await collectCapped(body, what, artifactLimit(gzip ? 'download' : 'json'));
  } catch (e) {
    if (isDrillError(e) && e.code === 'ARTIFACT_TOO_LARGE') throw e;
    throw storageError(e, what);
  }
  if (!gzip) return { buf: raw, bytes: raw.length };
  try {
    return { buf: gunzipCapped(raw, what, artifactLimit('json')), bytes: raw.length };
  } catch (e) {
    if (isDrillError(e)) throw e;
    return { ok: false, key, problem: gzipProblem(e), detail: (e as Error).message };
  }
}

function parse<T>(key: string, buf: Buffer, bytes: number, check?: (v: unknown) => string | null): ArtifactRead<T> {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    return { ok: false, key, problem: 'bad JSON', detail: (e as Error).message };
  }
  const shape = check?.(value);
  if (shape) return { ok: false, key, problem: 'unexpected shape', detail: shape };
  return { ok: true, key, value: value as T, bytes };
}

/** Read a plain JSON object (`velero-backup.json`). `check` returns a complaint about the shape, or null. */
export async function readJsonArtifact<T>(
  storage: BackupStorage,
  key: string,
  check?: (v: unknown) => string | null,
): Promise<ArtifactRead<T>> {
  const r = await readRaw(storage, key, false);
  if ('ok' in r) return r;
  return parse<T>(key, r.buf, r.bytes, check);
}

/** Read a gzip-compressed JSON artifact (`*.json.gz`, `*-results.gz`). */
export async function readGzipJsonArtifact<T>(
  storage: BackupStorage,
  key: string,
  check?: (v: unknown) => string | null,
): Promise<ArtifactRead<T>> {
  const r = await readRaw(storage, key, true);
  if ('ok' in r) return r;
  return parse<T>(key, r.buf, r.bytes, check);
}

/** Read a gzip text artifact (logs); only decodability is checked. */
export async function readGzipTextArtifact(storage: BackupStorage, key: string): Promise<ArtifactRead<string>> {
  const r = await readRaw(storage, key, true);
  if ('ok' in r) return r;
  return { ok: true, key, value: r.buf.toString('utf8'), bytes: r.bytes };
}

/** Shape checks for Velero's artifacts. Velero's json.Encoder writes a nil slice as `null`, so arrays may be null. */
export const shapes = {
  object: (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'expected a JSON object'),
  arrayOrNull: (v: unknown) => (v === null || Array.isArray(v) ? null : 'expected a JSON array'),
  /** `{"<gv>/<Kind>": ["ns/name", …]}`; Velero writes `{}` for an empty backup. */
  resourceList: (v: unknown) => {
    if (v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) return 'expected an object of string arrays';
    for (const [k, list] of Object.entries(v)) {
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) return `"${k}" is not an array of strings`;
    }
    return null;
  },
  /** `{"warnings": Result, "errors": Result}`. */
  results: (v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'expected {"warnings": …, "errors": …}',
} as const;

/**
 * Stream a gzip artifact through gunzip without keeping it (logs can be large); returns the outcome and the
 * uncompressed size.
 */
export async function checkGzipArtifact(storage: BackupStorage, key: string): Promise<ArtifactRead<number>> {
  const body = await storage.openRead(key);
  if (!body) return { ok: false, key, problem: 'missing', detail: 'not found' };
  let size = 0;
  try {
    const gunzip = body.pipe(createGunzip());
    body.on('error', (e) => gunzip.destroy(e));
    // Nothing is kept, but a gzip bomb would still spin here: the streaming cap ends it.
    const counted = gunzip.pipe(byteLimit(`${storage.description} ${key}`, artifactLimit('stream'), 'inflates past'));
    gunzip.on('error', (e) => counted.destroy(e));
    for await (const c of counted) size += (c as Buffer).length;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_'))
      return { ok: false, key, problem: gzipProblem(e), detail: (e as Error).message };
    throw e;
  }
  return { ok: true, key, value: size, bytes: size };
}
