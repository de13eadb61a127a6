import type { KubeObject, ObjectQuery, ObjectRef, WatchEventType } from './types.js';

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface WatchHandle {
  stop(): void;
}

/**
 * The one door to a cluster. Thin on purpose: the same engine code runs against a real API server
 * (client-gateway.ts) and, in unit tests, against memory-gateway in test/support.
 */
export interface KubeGateway {
  /** Context name and API server URL, for reports and same-cluster checks. */
  readonly context: string;
  readonly server: string;
  get(ref: ObjectRef): Promise<KubeObject | null>;
  list(query: ObjectQuery): Promise<ListResult>;
  /**
   * Watch from a resourceVersion. `onEvent` gets each change; `onClose` is called once when the stream ends
   * (err null: server closed it; err with code 410: the resourceVersion is too old, relist).
   */
  watch(
    query: ObjectQuery,
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
    onClose: (err: { code?: number; message: string } | null) => void,
  ): Promise<WatchHandle>;
  create(obj: KubeObject): Promise<KubeObject>;
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** Deletes; 'gone' when it was already absent. Background propagation so children go too. */
  delete(ref: ObjectRef): Promise<'deleted' | 'gone'>;
  /** Whether the kind is namespaced, or null when the server does not know the kind (e.g. CRD missing). */
  scope(apiVersion: string, kind: string): Promise<'namespaced' | 'cluster' | null>;
}
