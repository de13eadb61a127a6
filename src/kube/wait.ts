import type { KubeGateway } from './gateway.js';
import type { KubeObject, ObjectQuery } from './types.js';
import { WatchSource, type Subscriber } from './watch-source.js';
import { NamespaceUnion, type ObjectSource } from './namespace-union.js';
import { describeError } from '../util/errors.js';

/** What a wait concluded from the objects it sees: done, failed for good, or still waiting (and why). */
export interface Verdict<T = unknown> {
  state: 'done' | 'failed' | 'waiting';
  /** What was last seen, in words: expected vs actual. Goes into the report when the wait ends badly. */
  observation: string;
  value?: T;
}

/** A wait ran out of time; `observation` says what it last saw. */
export class WaitTimeout extends Error {
  constructor(
    readonly observation: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${Math.round(timeoutMs / 1000)}s: ${observation}`);
    this.name = 'WaitTimeout';
  }
}

/** A wait stopped by its signal (the drill interrupted); `observation` says what it last saw. */
export class WaitAborted extends Error {
  constructor(readonly observation: string) {
    super(`interrupted: ${observation}`);
    this.name = 'WaitAborted';
  }
}

/** How long a wait may take, what stops it, and who hears what it sees. */
export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called whenever the verdict's observation changes (progress display, journal). */
  onObservation?: (observation: string) => void;
}

/**
 * Waits on list + watch (relist on 410 Gone, re-watch from the last resourceVersion when the server closes the
 * stream): a handful of requests however many objects match, never a polling loop. Resolves with the first
 * 'done' verdict; a 'failed' verdict or the timeout rejects. Its own watch; waits that many probes make at once
 * over the same kind share one through SharedWatches (shared-watches.ts).
 */
export function waitFor<T>(
  gw: KubeGateway,
  query: ObjectQuery,
  evaluate: (objects: KubeObject[]) => Verdict<T>,
  opts: WaitOptions,
): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
  return waitOn(new WatchSource(gw, query), { namespaces: null }, evaluate, opts);
}

/**
 * waitFor over `namespaces` when the query names none: a namespaced watch for one, a namespaced watch per
 * namespace for several (NamespaceUnion), never a cluster-wide watch filtered afterwards.
 */
export function waitForIn<T>(
  gw: KubeGateway,
  query: ObjectQuery,
  namespaces: ReadonlySet<string> | undefined,
  evaluate: (objects: KubeObject[]) => Verdict<T>,
  opts: WaitOptions,
): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
  if (query.namespace !== undefined || !namespaces?.size) return waitFor(gw, query, evaluate, opts);
  const source =
    namespaces.size === 1
      ? new WatchSource(gw, { ...query, namespace: [...namespaces][0] })
      : new NamespaceUnion(gw, query, namespaces);
  return waitOn(source, { namespaces: null }, evaluate, opts);
}

/**
 * One wait on a source (its own, or one shared with other waits): judged by `evaluate` over the objects of its
 * namespaces (and name) each time they change; its own timeout, signal and observation.
 */
export function waitOn<T>(
  source: ObjectSource,
  interest: Pick<Subscriber, 'namespaces' | 'name'>,
  evaluate: (objects: KubeObject[]) => Verdict<T>,
  opts: WaitOptions,
): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
  return new Promise((resolve, reject) => {
    let finished = false;
    let last: Verdict<T> = { state: 'waiting', observation: 'nothing listed yet' };
    let unsubscribe: (() => void) | null = null;

    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      unsubscribe?.();
      fn();
    };
    const subscriber: Subscriber = {
      ...interest,
      changed: () => {
        if (finished) return;
        const objects = source.objects(interest);
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
      },
      failed: (e) => finish(() => reject(e)),
      retrying: (e) => {
        last = { ...last, observation: `${last.observation} (API error, retrying: ${describeError(e)})` };
      },
    };
    const onAbort = () => finish(() => reject(new WaitAborted(last.observation)));
    const timer = setTimeout(
      () => finish(() => reject(new WaitTimeout(last.observation, opts.timeoutMs))),
      opts.timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    unsubscribe = source.subscribe(subscriber);
    // The subscription itself may have ended the wait (a source that failed synchronously).
    if (finished) unsubscribe();
  });
}

/** A wait whose condition can no longer be met (the object reached a failed state); `observation` says which. */
export class WaitFailed extends Error {
  constructor(readonly observation: string) {
    super(observation);
    this.name = 'WaitFailed';
  }
}
