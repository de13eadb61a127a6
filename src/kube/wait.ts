import type { KubeGateway, WatchHandle } from './gateway.js';
import type { KubeObject, ObjectQuery } from './types.js';
import { DrillError, describeError } from '../errors.js';

/** What a wait concluded from the objects it sees: done, failed for good, or still waiting (and why). */
export interface Verdict<T = unknown> {
  state: 'done' | 'failed' | 'waiting';
  /** What was last seen, in words: expected vs actual. Goes into the report when the wait ends badly. */
  observation: string;
  value?: T;
}

export class WaitTimeout extends Error {
  constructor(
    readonly observation: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${Math.round(timeoutMs / 1000)}s: ${observation}`);
    this.name = 'WaitTimeout';
  }
}

export class WaitAborted extends Error {
  constructor(readonly observation: string) {
    super(`interrupted: ${observation}`);
    this.name = 'WaitAborted';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called whenever the verdict's observation changes (progress display, journal). */
  onObservation?: (observation: string) => void;
}

/**
 * Waits on list + watch (relist on 410 Gone, re-watch from the last resourceVersion when the server closes the
 * stream): a handful of requests however many objects match, never a polling loop. Resolves with the first
 * 'done' verdict; a 'failed' verdict or the timeout rejects.
 */
export function waitFor<T>(
  gw: KubeGateway,
  query: ObjectQuery,
  evaluate: (objects: KubeObject[]) => Verdict<T>,
  opts: WaitOptions,
): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
  return new Promise((resolve, reject) => {
    const cache = new Map<string, KubeObject>();
    let handle: WatchHandle | null = null;
    let finished = false;
    let last: Verdict<T> = { state: 'waiting', observation: 'nothing listed yet' };
    let retryTimer: NodeJS.Timeout | null = null;
    let failures = 0;

    const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (retryTimer) clearTimeout(retryTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      handle?.stop();
      fn();
    };
    const check = () => {
      const objects = [...cache.values()];
      let v: Verdict<T>;
      try {
        v = evaluate(objects);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      if (v.observation !== last.observation) opts.onObservation?.(v.observation);
      last = v;
      if (v.state === 'done') finish(() => resolve({ verdict: v, objects }));
      else if (v.state === 'failed') finish(() => reject(new WaitFailed(v.observation)));
    };
    const onAbort = () => finish(() => reject(new WaitAborted(last.observation)));
    const timer = setTimeout(
      () => finish(() => reject(new WaitTimeout(last.observation, opts.timeoutMs))),
      opts.timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const relist = async (): Promise<void> => {
      const { items, resourceVersion } = await gw.list(query);
      cache.clear();
      for (const it of items) cache.set(key(it), slim(it));
      check();
      if (!finished) await startWatch(resourceVersion);
    };
    const startWatch = async (rv: string): Promise<void> => {
      let lastRv = rv;
      const h = await gw.watch(
        query,
        rv,
        (type, obj) => {
          failures = 0;
          if (obj.metadata?.resourceVersion) lastRv = obj.metadata.resourceVersion;
          if (type === 'BOOKMARK') return;
          if (type === 'DELETED') cache.delete(key(obj));
          else cache.set(key(obj), slim(obj));
          check();
        },
        (err) => {
          if (finished) return;
          if (!err) return void startWatch(lastRv).catch(retry);
          if (err.code === 410) return void relist().catch(retry);
          retry(new Error(err.message));
        },
      );
      // Finished (timeout, abort, verdict) while the watch was being opened: close it, or it outlives the wait.
      if (finished) h.stop();
      else handle = h;
    };
    const retry = (e: unknown) => {
      if (finished) return;
      if (e instanceof DrillError && (e.code === 'KUBE_FORBIDDEN' || e.code === 'KUBE_UNAUTHORIZED'))
        return finish(() => reject(e));
      failures++;
      last = {
        ...last,
        observation: `${last.observation} (API error, retrying: ${describeError(e)})`,
      };
      // Back off on transport errors only; healthy waits are purely event-driven.
      retryTimer = setTimeout(() => void relist().catch(retry), Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
    };
    relist().catch((e) => {
      // The first list failing is a real error (permission, unknown kind), not something to wait out.
      finish(() => reject(e));
    });
  });
}

export class WaitFailed extends Error {
  constructor(readonly observation: string) {
    super(observation);
    this.name = 'WaitFailed';
  }
}

/**
 * What a wait keeps of an object: everything but metadata.managedFields, which no verdict reads and which is
 * often the largest part of a pod (a drill over thousands of pods holds them all in memory).
 */
function slim(o: KubeObject): KubeObject {
  if (!o.metadata || !('managedFields' in o.metadata)) return o;
  const { managedFields: _drop, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  void _drop;
  return { ...o, metadata };
}
