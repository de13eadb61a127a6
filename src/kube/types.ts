/** The few Kubernetes shapes the drill needs, as plain JSON. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: Array<{ kind: string; name: string; uid: string; controller?: boolean }>;
}

/** Any Kubernetes object, typed only as far as the drill reads it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- any kind's spec
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- any kind's status
  [key: string]: unknown;
}

/** Which objects: one by name, or a set by label/field selector, in a namespace or cluster-wide. */
export interface ObjectQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Names one object (or a collection, without name) for get, list and watch. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The event types of a Kubernetes watch. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * The object without metadata.managedFields: the server's record of which writer set which field. Nothing in the
 * drill reads it (object digests and Velero's install leave it out), and it is often the largest part of an
 * object (a kwok pod's list entry is about half managedFields), so lists and watches drop it on arrival: a wait
 * over thousands of pods would otherwise hold them all, and a list of them all at once.
 */
export function withoutManagedFields<T extends KubeObject>(o: T): T {
  if (!o.metadata || !('managedFields' in o.metadata)) return o;
  const { managedFields: _drop, ...metadata } = o.metadata as ObjectMeta & { managedFields?: unknown };
  void _drop;
  return { ...o, metadata };
}

export function refOf(o: KubeObject): ObjectRef {
  return { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', namespace: o.metadata.namespace, name: o.metadata.name };
}

export function describeRef(r: { kind: string; namespace?: string; name: string }): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}
