/**
 * Completed backups of Velero Schedules, as they complete: one list + watch of the Backups labelled with a schedule
 * name in one Velero namespace (the same waitFor the drill uses: relist on 410, re-watch when the server closes the
 * stream, back off on transport errors only), never a poll. Backups already Completed when the watch starts are
 * history, not news: a restart of the watcher does not drill every old backup again.
 */
import type { KubeGateway } from '../../kube/gateway.js';
import type { KubeObject } from '../../kube/types.js';
import { waitFor, WaitAborted } from '../../kube/wait.js';
import { VELERO_API } from '../../velero/types.js';
import { LABEL_SCHEDULE_NAME } from '../../velero/names.js';
import { describeError } from '../../util/errors.js';

/** A scheduled backup that completed: what `watch` drills on. */
export interface CompletedBackup {
  /** The schedule it belongs to (the velero.io/schedule-name label). */
  schedule: string;
  name: string;
  completionTimestamp: string | null;
}

/** What stops the backup watch, and who hears completed backups and watch restarts. */
export interface BackupEventsOptions {
  signal: AbortSignal;
  onCompleted: (b: CompletedBackup) => void;
  /** A watch that ended in an error and is restarted (permission, API server gone). */
  onError?: (message: string) => void;
  /** The first list is done: what completes from now on is reported. */
  onReady?: () => void;
  /** Wait before restarting a failed watch (default 10 s). */
  restartMs?: number;
}

// A wait that never concludes: setTimeout's ceiling (~24.8 days), after which the watch simply starts again.
const FOREVER_MS = 2_147_000_000;

/** Runs until the signal aborts. */
export async function watchCompletedBackups(
  gw: KubeGateway,
  veleroNamespace: string,
  opts: BackupEventsOptions,
): Promise<void> {
  const seen = new Set<string>();
  let primed = false;
  const query = {
    apiVersion: VELERO_API,
    kind: 'Backup',
    namespace: veleroNamespace,
    labelSelector: LABEL_SCHEDULE_NAME,
  };
  const evaluate = (objects: KubeObject[]) => {
    for (const o of objects) {
      if (o.status?.phase !== 'Completed' || seen.has(o.metadata.uid ?? o.metadata.name)) continue;
      seen.add(o.metadata.uid ?? o.metadata.name);
      if (primed)
        opts.onCompleted({
          schedule: o.metadata.labels?.[LABEL_SCHEDULE_NAME] ?? '',
          name: o.metadata.name,
          completionTimestamp: (o.status?.completionTimestamp as string | undefined) ?? null,
        });
    }
    // Forget backups that are gone (TTL expiry), so a watcher that runs for months holds only what exists.
    const present = new Set(objects.map((o) => o.metadata.uid ?? o.metadata.name));
    for (const id of seen) if (!present.has(id)) seen.delete(id);
    if (!primed) {
      primed = true;
      opts.onReady?.();
    }
    return { state: 'waiting' as const, observation: `${seen.size} completed backups seen` };
  };
  while (!opts.signal.aborted) {
    try {
      await waitFor(gw, query, evaluate, { timeoutMs: FOREVER_MS, signal: opts.signal });
    } catch (e) {
      if (e instanceof WaitAborted || opts.signal.aborted) return;
      opts.onError?.(describeError(e));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.restartMs ?? 10_000);
        opts.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  }
}
