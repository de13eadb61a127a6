/**
 * Reading files whose size someone else decides (a scenario from a pull request, a report folder copied from a
 * share) with a ceiling: a 10 GB report.json or `/dev/zero` passed as a scenario must end as a clear message,
 * not as an out-of-memory crash. Reads at most `limit + 1` bytes, so pipes and devices are bounded too.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The bytes read, or the fact that there were more than the limit. */
export type CappedRead = { ok: true; bytes: Buffer } | { ok: false; overLimit: true };

/** The ceilings for files dr-drill reads back, in bytes (documented in docs/reliability.md). */
export const READ_LIMITS = {
  /** A scenario file (YAML or JSON). */
  scenario: 1 << 20,
  /** A report.json read back by `report verify` and `report history`. */
  reportJson: 64 << 20,
  /** A SHA256SUMS file: one short line per report file. */
  sums: 1 << 20,
} as const;

/** Reads a file up to `limit` bytes; throws what fs throws (ENOENT, EISDIR, …). */
export function readCapped(path: string, limit: number): CappedRead {
  const fd = openSync(path, 'r');
  try {
    // A regular file says its size; pipes and devices (size 0) are read to find out.
    if (fstatSync(fd).size > limit) return { ok: false, overLimit: true };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 16, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) return { ok: false, overLimit: true };
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } finally {
    closeSync(fd);
  }
}

/** "1 MiB", "64 MiB", "512 KiB": how limits read in messages. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n >> 20} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n >> 10} KiB`;
  return `${n} bytes`;
}
