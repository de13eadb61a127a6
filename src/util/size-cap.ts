/**
 * Ceilings for Velero artefacts dr-drill downloads and inflates. Their size is decided by whoever can write the
 * backup storage: a 400 KB results file can inflate to gigabytes, and reading it whole would take the runner (a
 * CronJob pod with a memory limit, a CI job) down mid-drill — before teardown. Every reader counts bytes as they
 * arrive and stops at the cap with a clear error instead.
 */
import { gunzipSync } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import { infraError, type DrillError } from './errors.js';
import { formatBytes } from './capped-read.js';

const MiB = 1 << 20;

/** Defaults, in bytes (docs/reliability.md). DR_DRILL_ARTIFACT_LIMIT_MB raises or lowers all of them at once. */
export const ARTIFACT_LIMITS = {
  /** A JSON artefact held in memory after inflating: restore results, resource lists, volume info. */
  json: 64 * MiB,
  /** A download body held in memory before inflating (the JSON artefacts above, gzip). */
  download: 64 * MiB,
  /** A backup's contents tarball fetched through a DownloadRequest (compressed). */
  contents: 1024 * MiB,
  /** The bytes a tarball or log inflates to while streaming (nothing is kept, but a bomb still costs CPU). */
  stream: 8192 * MiB,
  /** What is kept from a tarball's entries (the items a caller asked for). */
  kept: 256 * MiB,
} as const;

/** A kind of read with a size cap (ARTIFACT_LIMITS), each overridable by its environment variable. */
export type ArtifactLimit = keyof typeof ARTIFACT_LIMITS;

/** The cap for one kind of read, scaled when DR_DRILL_ARTIFACT_LIMIT_MB is set (it gives the `json` cap). */
export function artifactLimit(kind: ArtifactLimit, env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.DR_DRILL_ARTIFACT_LIMIT_MB);
  if (!Number.isFinite(mb) || mb <= 0) return ARTIFACT_LIMITS[kind];
  return Math.round((ARTIFACT_LIMITS[kind] / ARTIFACT_LIMITS.json) * mb * MiB);
}

/** The error every reader throws at its cap. */
export function tooLarge(what: string, limit: number, how: 'is larger than' | 'inflates past'): DrillError {
  return infraError(
    'ARTIFACT_TOO_LARGE',
    `${what} ${how} the ${formatBytes(limit)} cap; it was not read further`,
    'a Velero artefact this large is unusual: check the backup storage for a damaged or planted object; if the backup really is that large, raise the caps with DR_DRILL_ARTIFACT_LIMIT_MB (the JSON cap in MiB; the others scale with it) and give the runner the memory for it',
  );
}

/** Inflates a gzip body, refusing to produce more than `limit` bytes (zlib stops at the limit). */
export function gunzipCapped(body: Buffer, what: string, limit: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(what, limit, 'inflates past');
    throw e;
  }
}

/** Reads a stream into memory up to `limit` bytes; destroys it and throws at the cap. */
export async function collectCapped(
  stream: Readable,
  what: string,
  limit: number,
  how: 'is larger than' | 'inflates past' = 'is larger than',
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    total += (c as Buffer).length;
    if (total > limit) {
      stream.destroy();
      throw tooLarge(what, limit, how);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** A pass-through that fails the pipeline once more than `limit` bytes went through it. */
export function byteLimit(what: string, limit: number, how: 'is larger than' | 'inflates past'): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) done(tooLarge(what, limit, how));
      else done(null, chunk);
    },
  });
}
