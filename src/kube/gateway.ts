import type { KubeObject, ObjectQuery, ObjectRef, WatchEventType } from './types.js';

/** The objects of a list, and the resourceVersion a watch resumes from. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

/** Stops a watch started by KubeGateway.watch. */
export interface WatchHandle {
  stop(): void;
}

/** What a command run in a container returned: its exit code (0 on Success) and its output, as text. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A reading of an API server's clock (Date header, one-second resolution) between two readings of the runner's. */
export interface ServerTime {
  sentAt: Date;
  receivedAt: Date;
  serverDate: Date;
}

/** A local TCP port forwarded through the API server to a pod's port; close() ends the listener. */
export interface PortForwardHandle {
  localPort: number;
  close(): Promise<void>;
}

/**
 * The one door to a cluster. Thin on purpose: the same engine code runs against a real API server
 * (client-gateway.ts) and, in unit tests, against memory-gateway in test/support.
 */
/** One request as the API server's authorizer names it (resource attributes of a SubjectAccessReview). */
export interface AccessRequest {
  verb: string;
  /** API group, '' for the core group. */
  group: string;
  /** Plural resource name, e.g. secrets. */
  resource: string;
  namespace?: string;
  name?: string;
}

/** A user as an API server authenticated it. */
export interface KubeIdentity {
  user: string;
  groups: string[];
}

/**
 * The Kubernetes API as the drill uses it: one cluster, one context; implemented over client-node and in memory for
 * tests.
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
  /**
   * Runs a command in a container (pods/exec, no TTY, no stdin); rejects when the exec cannot start or takes
   * longer than timeoutMs. Optional: gateways without it make exec-based probes report an error.
   */
  exec?(
    namespace: string,
    pod: string,
    container: string | null,
    command: string[],
    timeoutMs: number,
  ): Promise<ExecResult>;
  /** The tail of a container's log (pods/log), at most limitBytes. Optional, like exec. */
  logs?(namespace: string, pod: string, container: string | null, limitBytes: number): Promise<string>;
  /**
   * A kubeconfig holding only this gateway's context, cluster and user (for a command run against the same
   * cluster, e.g. a runbook hook's kubectl). Optional: in-memory gateways have none.
   */
  exportKubeconfig?(): string;
  /**
   * The API server's clock, from the Date header of a cheap request (GET /version), with the runner's clock just
   * before the request and just after the answer. Optional: in-memory gateways have no server.
   */
  serverTime?(): Promise<ServerTime>;
  /**
   * Who the API server takes this gateway's credentials for (a SelfSubjectReview): the user name and groups.
   * Optional: in-memory gateways have no authenticator.
   */
  whoAmI?(): Promise<KubeIdentity>;
  /**
   * Whether the API server would allow this gateway's credentials one request (a SelfSubjectAccessReview, which
   * every authenticated identity may create). Asked before a read the shipped roles leave to an opt-in role, so
   * that an identity without it is not sent into a denied request. Optional: in-memory gateways have no authorizer.
   */
  allows?(request: AccessRequest): Promise<boolean>;
  /** Forwards a local loopback port to a pod's port (pods/portforward). Optional, like exec. */
  portForward?(namespace: string, pod: string, port: number): Promise<PortForwardHandle>;
}
