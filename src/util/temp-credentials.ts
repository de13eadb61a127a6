/**
 * Temporary files that hold credentials (the kubeconfig handed to hooks, Velero install secrets). They are
 * removed in a `finally` on every ordinary path; this registry covers the one that skips `finally`: a forced
 * exit (second Ctrl-C, `process.exit`). Removal there must be synchronous, as nothing async runs after exit.
 */
import { rmSync } from 'node:fs';

const paths = new Set<string>();
let hooked = false;

/** Registers a temp file or folder; returns the function that removes it (and unregisters it) now. */
export function registerTempCredentials(path: string): () => void {
  paths.add(path);
  if (!hooked) {
    hooked = true;
    // 'exit' listeners run on process.exit() and on a normal end, synchronously.
    process.on('exit', removeTempCredentialsSync);
  }
  return () => {
    paths.delete(path);
    rmSync(path, { recursive: true, force: true });
  };
}

/** Removes every registered path, synchronously; safe to call twice. */
export function removeTempCredentialsSync(): void {
  for (const p of paths) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // Best effort on the way out: one undeletable path must not keep the others.
    }
    paths.delete(p);
  }
}

/** Paths registered and not yet removed (for tests). */
export function pendingTempCredentials(): string[] {
  return [...paths];
}
