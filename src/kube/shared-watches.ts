import type { KubeGateway } from './gateway.js';
import type { KubeObject, ObjectQuery } from './types.js';
import { WatchSource } from './watch-source.js';
import { waitForIn, waitOn, type Verdict, type WaitOptions } from './wait.js';
import { isDrillError } from '../util/errors.js';

/**
 * The watches of a drill's probes, one per kind and selector over the drill's own namespaces (its target set),
 * shared by every wait on that kind: 200 probes over Pods in 200 restored namespaces cost one list and one watch,
 * not 200 of each, and one cache instead of 200 (bench:scale). A source lives while someone waits on it
 * (ref-counted); each wait keeps its own namespaces, name, verdict, timeout and signal, filtered in memory.
 *
 * One namespace in the set: a namespaced watch. Several: one cluster-wide watch whose objects outside the set are
 * dropped on arrival (never cached, never shown to a verdict: a same-cluster drill's source objects stay out).
 * When the cluster-wide list is forbidden (the runner's role bound per namespace, not cluster-wide), waits on that
 * kind fall back to watches of their own, one per namespace. Secret waits are never widened by sharing (see waitFor).
 */
export class SharedWatches {
  private readonly scope: ReadonlySet<string>;
  private readonly sources = new Map<string, WatchSource>();
  /** Kinds (source keys) whose cluster-wide list was refused: their waits each watch their own namespace. */
  private readonly forbidden = new Set<string>();

  constructor(
    readonly gateway: KubeGateway,
    namespaces: readonly string[],
  ) {
    this.scope = new Set(namespaces);
  }

  /**
   * waitFor, shared: over `query` in `namespaces` (default: the query's namespace). A wait outside the drill's
   * namespaces, or on no namespace (cluster-scoped, cluster-wide), gets a watch of its own.
   */
  waitFor<T>(
    query: ObjectQuery,
    evaluate: (objects: KubeObject[]) => Verdict<T>,
    opts: WaitOptions,
    namespaces?: ReadonlySet<string>,
  ): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
    const wanted = namespaces ?? (query.namespace ? new Set([query.namespace]) : null);
    const key = JSON.stringify([query.apiVersion, query.kind, query.labelSelector ?? '', query.fieldSelector ?? '']);
    if (!wanted?.size || ![...wanted].every((ns) => this.scope.has(ns)) || this.forbidden.has(key))
      return this.own(query, evaluate, opts, wanted);
    // Sharing Secrets over several namespaces would widen a wait to a cluster-wide watch, pulling every Secret
    // value in the cluster into this process to drop it on arrival: Secret waits keep their own watches, one per
    // namespace they ask for.
    if (this.scope.size > 1 && query.kind === 'Secret' && query.apiVersion === 'v1')
      return this.own(query, evaluate, opts, wanted);

    let source = this.sources.get(key);
    if (!source?.open) {
      const only = this.scope.size === 1 ? [...this.scope][0] : undefined;
      const created: WatchSource = new WatchSource(
        this.gateway,
        {
          apiVersion: query.apiVersion,
          kind: query.kind,
          namespace: only,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        },
        (ns) => this.scope.has(ns),
        () => {
          if (this.sources.get(key) === created) this.sources.delete(key);
        },
      );
      source = created;
      this.sources.set(key, source);
    }
    const clusterWide = source.query.namespace === undefined;
    const started = Date.now();
    return waitOn(source, { namespaces: wanted, name: query.name }, evaluate, opts).catch((e: unknown) => {
      if (!clusterWide || !isDrillError(e) || e.code !== 'KUBE_FORBIDDEN') throw e;
      this.forbidden.add(key);
      const left = { ...opts, timeoutMs: Math.max(0, opts.timeoutMs - (Date.now() - started)) };
      return this.own(query, evaluate, left, wanted);
    });
  }

  /** A wait with its own watch (one per namespace it asks for), as each probe had before watches were shared. */
  private own<T>(
    query: ObjectQuery,
    evaluate: (objects: KubeObject[]) => Verdict<T>,
    opts: WaitOptions,
    namespaces: ReadonlySet<string> | null,
  ): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
    return waitForIn(this.gateway, query, namespaces ?? undefined, evaluate, opts);
  }
}
