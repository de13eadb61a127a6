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

export function refOf(o: KubeObject): ObjectRef {
  return { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', namespace: o.metadata.namespace, name: o.metadata.name };
}

export function describeRef(r: { kind: string; namespace?: string; name: string }): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}
