/**
 * A list+watch cache for the node stand-in that cannot go silent. client-node's informer re-watches only when the
 * stream ends or errs: a watch that stays open but delivers nothing (seen in a helper's environment: 40 minutes
 * of no pod events and no error, until the stand-in was restarted) leaves the stand-in blind for good. Here:
 *
 * - every watch asks the API server to end it after `timeoutSeconds` (an ordinary re-watch from the last
 *   resourceVersion follows), and a watch still open `graceMs` after that is abandoned and the collection
 *   listed again: a silent stream lives at most timeoutSeconds + grace;
 * - a failed list or watch is retried after `retryMs`, for as long as the informer runs;
 * - every `resyncMs` each cached object is handed to the `update` handlers again (client-go's resync), so a
 *   handler that failed on an event, or an action another writer undid, is tried again.
 *
 * - a list that does not answer within the same bound is retried.
 *
 * Abandoned requests are told apart by a generation number: whatever they deliver later is dropped.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** The part of client-node's `Watch` this uses (its `watch` method, same contract). */
export interface WatchSource {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

/** What an Informer lists and watches, and how it bounds a watch gone silent, retries and resyncs. */
export interface InformerOptions<T extends KubernetesObject> {
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  watcher: WatchSource;
  /** Server-side end of each watch (the `timeoutSeconds` query parameter). */
  timeoutSeconds: number;
  /** How long past `timeoutSeconds` a watch may stay open before it is abandoned and the collection relisted. */
  graceMs: number;
  retryMs: number;
  /** 0: no resync. */
  resyncMs: number;
  log: (line: string) => void;
}

type Handler<T> = (obj: T) => void;

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A list/watch cache of one collection for the local stand-ins, which relists a watch gone silent. */
export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Record<'add' | 'update' | 'delete', Handler<T>[]> = { add: [], update: [], delete: [] };
  private resourceVersion = '';
  /** Bumped whenever a request is abandoned or the informer stops: late deliveries of older ones are dropped. */
  private generation = 0;
  private request: { abort(): void } | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(private readonly o: InformerOptions<T>) {}

  on(verb: 'add' | 'update' | 'delete', handler: Handler<T>): void {
    this.handlers[verb].push(handler);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Lists, starts watching, and resolves once the first list is in the cache (rejects if that list fails). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.relist(this.generation, true);
    if (this.o.resyncMs > 0) this.resyncTimer = setInterval(() => this.resync(), this.o.resyncMs);
  }

  stop(): void {
    this.stopped = true;
    this.abandon();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
  }

  /** Drops the current request (if any) and returns the generation of what starts next. */
  private abandon(): number {
    this.generation++;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.request?.abort();
    this.request = null;
    return this.generation;
  }

  private resync(): void {
    for (const obj of this.cache.values()) this.emit('update', obj);
  }

  private emit(verb: 'add' | 'update' | 'delete', obj: T): void {
    for (const h of this.handlers[verb]) {
      try {
        h(obj);
      } catch (e) {
        this.o.log(`${this.o.path}: ${verb} handler of ${keyOf(obj)} failed: ${String(e)}`);
      }
    }
  }

  /** Lists (the first time, after a 410, after an abandoned or failed watch), updates the cache, then watches. */
  private async relist(gen: number, first = false): Promise<void> {
    let page: Awaited<ReturnType<InformerOptions<T>['list']>>;
    try {
      // A list request can hang as a watch can: it gets the same bound.
      page = await withDeadline(this.o.list(), this.o.timeoutSeconds * 1000 + this.o.graceMs);
    } catch (e) {
      if (first) throw e;
      return this.retry(gen, `list failed: ${String(e)}`);
    }
    if (gen !== this.generation || this.stopped) return;
    const seen = new Set<string>();
    for (const obj of page.items) {
      const k = keyOf(obj);
      seen.add(k);
      const old = this.cache.get(k);
      this.cache.set(k, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj);
    }
    for (const [k, obj] of this.cache) {
      if (seen.has(k)) continue;
      this.cache.delete(k);
      this.emit('delete', obj);
    }
    this.resourceVersion = page.metadata?.resourceVersion ?? '';
    this.watch(gen);
  }

  private retry(gen: number, why: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.o.log(`${this.o.path}: ${why}; listing again in ${this.o.retryMs / 1000}s`);
    const next = this.abandon();
    this.retryTimer = setTimeout(() => void this.relist(next).catch(() => undefined), this.o.retryMs);
  }

  private watch(gen: number): void {
    if (gen !== this.generation || this.stopped) return;
    let gone = false; // the server said 410: the resourceVersion is too old, list again
    const query = { resourceVersion: this.resourceVersion, timeoutSeconds: this.o.timeoutSeconds };
    this.watchdog = setTimeout(
      () => this.retry(gen, `watch still open ${this.o.graceMs / 1000}s past its ${this.o.timeoutSeconds}s timeout`),
      this.o.timeoutSeconds * 1000 + this.o.graceMs,
    );
    const onEvent = (type: string, raw: unknown): void => {
      if (gen !== this.generation) return;
      const obj = raw as T & { code?: number };
      if (type === 'ERROR') {
        if (obj.code === 410) gone = true;
        return;
      }
      if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
      if (type === 'BOOKMARK') return;
      const k = keyOf(obj);
      if (type === 'DELETED') {
        if (this.cache.delete(k)) this.emit('delete', obj);
        return;
      }
      const old = this.cache.get(k);
      this.cache.set(k, obj);
      this.emit(old ? 'update' : 'add', obj);
    };
    const done = (err: unknown): void => {
      if (gen !== this.generation || this.stopped) return;
      const code =
        (err as { statusCode?: number; code?: number } | null)?.statusCode ?? (err as { code?: number })?.code;
      if (err && code !== 410) return this.retry(gen, `watch failed: ${String(err)}`);
      const next = this.abandon();
      if (gone || code === 410) {
        this.resourceVersion = '';
        void this.relist(next).catch(() => undefined);
      } else this.watch(next);
    };
    this.o.watcher.watch(this.o.path, query, onEvent, done).then(
      (req) => {
        if (gen === this.generation) this.request = req;
        else req.abort(); // abandoned while its response headers were on their way
      },
      (e: unknown) => done(e ?? new Error('watch request failed')),
    );
  }
}

function withDeadline<V>(p: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
