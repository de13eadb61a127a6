/** SHA256SUMS in the format `sha256sum -c` reads: `<64 hex>  <file name>` per line. */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** The checksum file's name (fixed contract). */
export const SUMS_FILE = 'SHA256SUMS';

/** Hex SHA-256 of a file's bytes. */
export function sha256File(path: string): string {
  // In chunks: a file planted in a report folder may be larger than memory (or than a Buffer can hold).
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** SHA256SUMS text for name → hex pairs, sorted by name so the file is reproducible. */
export function formatSums(sums: Record<string, string>): string {
  return Object.keys(sums)
    .sort()
    .map((name) => `${sums[name]}  ${name}\n`)
    .join('');
}

/** Parsed SHA256SUMS: entries, plus lines that are not `<hex>  <name>` (1-based line numbers). */
export function parseSums(text: string): { entries: { file: string; sha256: string }[]; badLines: number[] } {
  const entries: { file: string; sha256: string }[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    // `*` marks binary mode in GNU coreutils; same bytes on Linux.
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (m) entries.push({ sha256: m[1]!.toLowerCase(), file: m[2]! });
    else badLines.push(i + 1);
  });
  return { entries, badLines };
}
