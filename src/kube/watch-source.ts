import type { KubeGateway, WatchHandle } from './gateway.js';
import { withoutManagedFields, type KubeObject, type ObjectQuery } from './types.js';
import { DrillError } from '../util/errors.js';

/** What one waiter wants to hear about from a source, and how it is told. */
export interface Subscriber {
  /** The namespaces it looks at (`''` for cluster-scoped objects); null: everything the source keeps. */
  namespaces: ReadonlySet<string> | null;
  /** Only the object of this name. */
  name?: string;
  /** What it sees changed, or was listed afresh. */
  changed(): void;
  /** The source gave up: its first list failed, or the API server refused it (permission). */
  failed(e: unknown): void;
  /** A transport error; the source backs off and lists again. */
  retrying(e: unknown): void;
}

/**
 * One list + watch of a query and the objects it keeps (relist on 410 Gone, re-watch from the last
 * resourceVersion when the server closes the stream, back off on transport errors only): a handful of requests
 * however many objects match, never a polling loop. Any number of subscribers share it, each told only about
 * changes in its own namespaces; it starts with the first subscriber and stops when the last one leaves.
 * `keep` drops objects in namespaces nobody may subscribe to (a cluster-wide watch kept to a drill's namespaces),
 * so they never take memory.
 */
export class WatchSource {
  /** namespace → name → object, each without metadata.managedFields (whatever the gateway hands over). */
  private readonly objectsByNs = new Map<string, Map<string, KubeObject>>();
  private readonly everywhere = new Set<Subscriber>();
  private readonly byNamespace = new Map<string, Set<Subscriber>>();
  private subscribers = 0;
  private listed = false;
  private stopped = false;
  private handle: WatchHandle | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly gw: KubeGateway,
    readonly query: ObjectQuery,
    private readonly keep: (namespace: string) => boolean = () => true,
    /** Called once when the source has stopped (last subscriber gone, or it failed). */
    private readonly onStop: () => void = () => undefined,
  ) {}

  /** Whether the source can take subscribers (it stops for good when the last leaves or it fails). */
  get open(): boolean {
    return !this.stopped;
  }

  /** Starts listening (the first subscriber lists and watches); returns the unsubscribe. */
  subscribe(s: Subscriber): () => void {
    if (this.stopped) throw new Error('watch source already stopped');
    if (s.namespaces === null) this.everywhere.add(s);
    else
      for (const ns of s.namespaces) (this.byNamespace.get(ns) ?? this.byNamespace.set(ns, new Set()).get(ns)!).add(s);
    if (++this.subscribers === 1) this.relist().catch((e) => this.fail(e));
    // A later subscriber sees what is already listed, after the caller has finished subscribing.
    else if (this.listed) queueMicrotask(() => this.listed && !this.stopped && s.changed());
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      this.everywhere.delete(s);
      for (const set of this.byNamespace.values()) set.delete(s);
      if (--this.subscribers === 0) this.stop();
    };
  }

  /** What a subscriber sees now. */
  objects(s: Pick<Subscriber, 'namespaces' | 'name'>): KubeObject[] {
    const out: KubeObject[] = [];
    const maps =
      s.namespaces === null ? this.objectsByNs.values() : [...s.namespaces].map((ns) => this.objectsByNs.get(ns));
    for (const m of maps) {
      if (!m) continue;
      if (s.name !== undefined) {
        const o = m.get(s.name);
        if (o) out.push(o);
      } else for (const o of m.values()) out.push(o);
    }
    return out;
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.handle?.stop();
    this.handle = null;
    this.objectsByNs.clear();
    this.onStop();
  }

  private all(): Subscriber[] {
    const out = new Set(this.everywhere);
    for (const set of this.byNamespace.values()) for (const s of set) out.add(s);
    return [...out];
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    const subs = this.all();
    this.stop();
    for (const s of subs) s.failed(e);
  }

  private put(o: KubeObject): void {
    const ns = o.metadata.namespace ?? '';
    if (!this.keep(ns)) return;
    (this.objectsByNs.get(ns) ?? this.objectsByNs.set(ns, new Map()).get(ns)!).set(
      o.metadata.name,
      withoutManagedFields(o),
    );
  }

  private async relist(): Promise<void> {
    const resourceVersion = await this.load();
    if (resourceVersion === null) return;
    for (const s of this.all()) if (!this.stopped) s.changed();
    if (!this.stopped) await this.startWatch(resourceVersion);
  }

  /**
   * Lists into the cache; the resourceVersion to watch from, null when stopped meanwhile. A function of its own so
   * that the list's array is released before the watch is opened: a suspended async function keeps its locals, and
   * relist stays suspended while the watch opens.
   */
  private async load(): Promise<string | null> {
    const { items, resourceVersion } = await this.gw.list(this.query);
    if (this.stopped) return null;
    this.objectsByNs.clear();
    for (const it of items) this.put(it);
    this.listed = true;
    return resourceVersion;
  }

  private async startWatch(rv: string): Promise<void> {
    let lastRv = rv;
    const h = await this.gw.watch(
      this.query,
      rv,
      (type, obj) => {
        this.failures = 0;
        if (obj.metadata?.resourceVersion) lastRv = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK' || this.stopped) return;
        const ns = obj.metadata.namespace ?? '';
        if (!this.keep(ns)) return;
        if (type === 'DELETED') this.objectsByNs.get(ns)?.delete(obj.metadata.name);
        else this.put(obj);
        for (const s of [...this.everywhere, ...(this.byNamespace.get(ns) ?? [])]) {
          if (this.stopped) return;
          if (s.name === undefined || s.name === obj.metadata.name) s.changed();
        }
      },
      (err) => {
        if (this.stopped) return;
        if (!err) return void this.startWatch(lastRv).catch((e) => this.retry(e));
        if (err.code === 410) return void this.relist().catch((e) => this.retry(e));
        this.retry(new Error(err.message));
      },
    );
    // Stopped (the last waiter finished) while the watch was being opened: close it, or it outlives them all.
    if (this.stopped) h.stop();
    else this.handle = h;
  }

  private retry(e: unknown): void {
    if (this.stopped) return;
    if (e instanceof DrillError && (e.code === 'KUBE_FORBIDDEN' || e.code === 'KUBE_UNAUTHORIZED')) return this.fail(e);
    this.failures++;
    for (const s of this.all()) s.retrying(e);
    // Back off on transport errors only; a healthy source is purely event-driven.
    this.retryTimer = setTimeout(
      () => void this.relist().catch((x) => this.retry(x)),
      Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)),
    );
  }
}
