import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  Exec,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PortForward,
  VersionApi,
  Watch,
  type KubernetesObject,
  type ResponseContext,
  type V1APIResource,
  type V1Status,
} from '@kubernetes/client-node';
import { createServer, type AddressInfo } from 'node:net';
import { CappedOutput } from './capped-output.js';
import { forClientModel } from './client-model.js';
import type {
  AccessRequest,
  ExecResult,
  KubeGateway,
  KubeIdentity,
  ListResult,
  PortForwardHandle,
  ServerTime,
  WatchHandle,
} from './gateway.js';
import {
  withoutManagedFields,
  type KubeObject,
  type ObjectQuery,
  type ObjectRef,
  type WatchEventType,
} from './types.js';
import { isNotFound, kubeError, statusCode } from './errors.js';
import { describeError } from '../util/errors.js';

/** A response type for DiscoveringObjectApi.processResponse: keep the JSON as the server sent it. */
const PLAIN = 'dr-drill/plain-json';

/** One page of a list as the API server sent it. */
interface PlainListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items: KubeObject[];
}

/**
 * KubernetesObjectApi with its discovery (kind → plural, scope) made reachable for watch paths, and a list that
 * keeps the server's JSON.
 */
class DiscoveringObjectApi extends KubernetesObjectApi {
  async resourceOf(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }

  /**
   * One page of `list`, its items as the server sent them (plain JSON, timestamps as strings: what KubeObject
   * declares, and what a watch event hands over for the same object). client-node's own list turns every item of a
   * built-in kind into its model classes (an instance per nested object, a Date per timestamp); over a list of
   * 10,000 pods that is most of what the list allocates, and a drill's peak memory (bench:scale). The request and
   * its errors are client-node's own (same path, auth, ApiException).
   */
  async listPage(
    q: ObjectQuery,
    fieldSelector: string | undefined,
    limit: number,
    continueToken: string | undefined,
  ): Promise<PlainListPage> {
    const path = await this.specUriPath(
      { apiVersion: q.apiVersion, kind: q.kind, metadata: { namespace: q.namespace } },
      'list',
    );
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    if (fieldSelector !== undefined) request.setQueryParam('fieldSelector', fieldSelector);
    if (q.labelSelector !== undefined) request.setQueryParam('labelSelector', q.labelSelector);
    request.setQueryParam('limit', String(limit));
    if (continueToken !== undefined) request.setQueryParam('continue', continueToken);
    return this.requestPromise(request, PLAIN) as Promise<unknown> as Promise<PlainListPage>;
  }

  /** For PLAIN requests: the parsed JSON; failures as client-node's own processResponse throws them. */
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (type !== PLAIN) return super.processResponse<T>(response, type);
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299)
      return JSON.parse(await response.body.text()) as T;
    throw new ApiException(
      response.httpStatusCode,
      'Unsuccessful HTTP Request',
      await response.getBodyAsAny(),
      response.headers,
    );
  }
}

/** The real gateway over @kubernetes/client-node for one kubeconfig context. */
export class ClientGateway implements KubeGateway {
  readonly context: string;
  readonly server: string;
  private readonly api: DiscoveringObjectApi;
  private readonly watcher: Watch;
  private readonly scopes = new Map<string, V1APIResource | null>();
  /** API requests made so far, by verb (a list counts its pages); read by bench/scale.ts, costs nothing otherwise. */
  readonly requests = { get: 0, list: 0, watch: 0 };

  constructor(readonly kubeConfig: KubeConfig) {
    this.context = kubeConfig.getCurrentContext();
    this.server = kubeConfig.getCurrentCluster()?.server ?? '';
    this.api = kubeConfig.makeApiClient(DiscoveringObjectApi);
    this.watcher = new Watch(kubeConfig);
  }

  exportKubeconfig(): string {
    const kc = this.kubeConfig;
    const context = kc.getContextObject(this.context);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    // Only this context's credentials: a hook gets the target cluster, not every cluster the operator can reach.
    const one = new KubeConfig();
    one.loadFromOptions({
      clusters: cluster ? [cluster] : [],
      users: user ? [user] : [],
      contexts: context ? [context] : [],
      currentContext: this.context,
    });
    return one.exportConfig();
  }

  private async resource(apiVersion: string, kind: string): Promise<V1APIResource | null> {
    const key = `${apiVersion}/${kind}`;
    if (!this.scopes.has(key)) {
      try {
        this.scopes.set(key, (await this.api.resourceOf(apiVersion, kind)) ?? null);
      } catch (e) {
        if (isNotFound(e)) this.scopes.set(key, null);
        else throw kubeError(e, { verb: 'discover', resource: `${kind} (${apiVersion})`, context: this.context });
      }
    }
    return this.scopes.get(key) ?? null;
  }

  async scope(apiVersion: string, kind: string): Promise<'namespaced' | 'cluster' | null> {
    const r = await this.resource(apiVersion, kind);
    return r ? (r.namespaced ? 'namespaced' : 'cluster') : null;
  }

  private async collectionPath(q: { apiVersion: string; kind: string; namespace?: string }): Promise<string> {
    const r = await this.resource(q.apiVersion, q.kind);
    if (!r)
      throw kubeError(
        Object.assign(new Error(`the server does not serve ${q.kind} (${q.apiVersion})`), { statusCode: 404 }),
        { verb: 'find', resource: `${q.kind} (${q.apiVersion})`, context: this.context },
      );
    const base = q.apiVersion.includes('/') ? `/apis/${q.apiVersion}` : `/api/${q.apiVersion}`;
    return r.namespaced && q.namespace ? `${base}/namespaces/${q.namespace}/${r.name}` : `${base}/${r.name}`;
  }

  async serverTime(): Promise<ServerTime> {
    const api = this.kubeConfig.makeApiClient(VersionApi);
    const sentAt = new Date();
    const r = await api.getCodeWithHttpInfo().catch((e: unknown) => {
      throw kubeError(e, { verb: 'get', resource: 'version', context: this.context });
    });
    const receivedAt = new Date();
    const date = r.headers['date'] ?? r.headers['Date'];
    const serverDate = date ? new Date(date) : new Date(NaN);
    if (Number.isNaN(serverDate.getTime())) throw new Error(`the API server ${this.server} sent no Date header`);
    return { sentAt, receivedAt, serverDate };
  }

  async whoAmI(): Promise<KubeIdentity> {
    const api = this.kubeConfig.makeApiClient(AuthenticationV1Api);
    const review = await api
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })
      .catch((e: unknown) => {
        throw kubeError(e, { verb: 'create', resource: 'SelfSubjectReview', context: this.context });
      });
    const info = review.status?.userInfo;
    return { user: info?.username ?? '', groups: info?.groups ?? [] };
  }

  async allows(request: AccessRequest): Promise<boolean> {
    const api = this.kubeConfig.makeApiClient(AuthorizationV1Api);
    const review = await api
      .createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { ...request } },
        },
      })
      .catch((e: unknown) => {
        throw kubeError(e, { verb: 'create', resource: 'SelfSubjectAccessReview', context: this.context });
      });
    return review.status?.allowed === true;
  }

  async get(ref: ObjectRef): Promise<KubeObject | null> {
    this.requests.get++;
    try {
      return (await this.api.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      })) as KubeObject;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw kubeError(e, { verb: 'get', resource: ref.kind, namespace: ref.namespace, context: this.context });
    }
  }

  async list(q: ObjectQuery): Promise<ListResult> {
    const fieldSelector =
      [q.fieldSelector, q.name ? `metadata.name=${q.name}` : undefined].filter(Boolean).join(',') || undefined;
    try {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let rv = '';
      do {
        this.requests.list++;
        const page = await this.api.listPage(q, fieldSelector, 500, cont);
        for (const it of page.items)
          items.push({ ...withoutManagedFields(it), apiVersion: q.apiVersion, kind: q.kind });
        cont = page.metadata?.continue || undefined;
        rv = page.metadata?.resourceVersion ?? rv;
      } while (cont);
      return { items, resourceVersion: rv };
    } catch (e) {
      throw kubeError(e, { verb: 'list', resource: q.kind, namespace: q.namespace, context: this.context });
    }
  }

  async watch(
    q: ObjectQuery,
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
    onClose: (err: { code?: number; message: string } | null) => void,
  ): Promise<WatchHandle> {
    const path = await this.collectionPath(q);
    const fieldSelector =
      [q.fieldSelector, q.name ? `metadata.name=${q.name}` : undefined].filter(Boolean).join(',') || undefined;
    let closed = false;
    const close = (err: { code?: number; message: string } | null) => {
      if (closed) return;
      closed = true;
      onClose(err);
    };
    this.requests.watch++;
    const controller = await this.watcher
      .watch(
        path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: q.labelSelector,
          fieldSelector,
          timeoutSeconds: 300,
        },
        (type: string, obj: KubeObject & { code?: number; message?: string }) => {
          if (type === 'ERROR') {
            close({ code: obj.code, message: obj.message ?? 'watch error' });
            return;
          }
          onEvent(type as WatchEventType, { ...withoutManagedFields(obj), apiVersion: q.apiVersion, kind: q.kind });
        },
        (err: unknown) => {
          if (!err) return close(null);
          const code = statusCode(err) ?? undefined;
          close({ code, message: describeError(err) });
        },
      )
      .catch((e: unknown) => {
        throw kubeError(e, { verb: 'watch', resource: q.kind, namespace: q.namespace, context: this.context });
      });
    return {
      stop: () => {
        closed = true;
        controller.abort();
      },
    };
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    try {
      return (await this.api.create(forClientModel(obj) as never)) as KubeObject;
    } catch (e) {
      throw kubeError(e, {
        verb: 'create',
        resource: obj.kind ?? 'object',
        namespace: obj.metadata.namespace,
        context: this.context,
      });
    }
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    // A patch may carry metadata (labels, finalizers): keep the identifying fields client-node needs.
    const meta = (patch.metadata ?? {}) as Record<string, unknown>;
    const body = {
      ...patch,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...meta, name: ref.name, namespace: ref.namespace },
    };
    try {
      return (await this.api.patch(
        forClientModel(body as KubeObject) as never,
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      )) as KubeObject;
    } catch (e) {
      throw kubeError(e, { verb: 'patch', resource: ref.kind, namespace: ref.namespace, context: this.context });
    }
  }

  async delete(ref: ObjectRef): Promise<'deleted' | 'gone'> {
    try {
      await this.api.delete(
        { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
      return 'deleted';
    } catch (e) {
      if (isNotFound(e)) return 'gone';
      throw kubeError(e, { verb: 'delete', resource: ref.kind, namespace: ref.namespace, context: this.context });
    }
  }

  async exec(
    namespace: string,
    pod: string,
    container: string | null,
    command: string[],
    timeoutMs: number,
  ): Promise<ExecResult> {
    const out = new CappedOutput();
    const err = new CappedOutput();
    let ws: { close(): void } | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<ExecResult>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`exec did not finish within ${Math.round(timeoutMs / 1000)}s`), {
                timedOut: true,
              }),
            ),
          timeoutMs,
        );
        // The v5/v4 channel protocol ends with a Status on the error channel: Success, or NonZeroExitCode with
        // the code in details.causes[ExitCode]; the socket closing without one is a broken stream, not exit 0.
        new Exec(this.kubeConfig)
          .exec(namespace, pod, container ?? '', command, out.sink, err.sink, null, false, (status: V1Status) => {
            const exitCode = exitCodeOf(status);
            // A Failure without an exit code (e.g. the executable does not exist) explains itself only in message.
            const why = exitCode === -1 && status.message ? `\n${status.message}` : '';
            resolve({
              exitCode,
              stdout: out.text(),
              stderr: err.text() + why,
            });
          })
          .then((socket) => {
            ws = socket;
            socket.on('close', () => setTimeout(() => reject(new Error('exec stream closed without a status')), 200));
          }, reject);
      });
    } catch (e) {
      if ((e as { timedOut?: boolean }).timedOut) throw e;
      throw kubeError(e, { verb: 'exec', resource: 'pods/exec', namespace, context: this.context });
    } finally {
      clearTimeout(timer);
      (ws as { close(): void } | null)?.close();
    }
  }

  async logs(namespace: string, pod: string, container: string | null, limitBytes: number): Promise<string> {
    try {
      return await this.kubeConfig
        .makeApiClient(CoreV1Api)
        .readNamespacedPodLog({ namespace, name: pod, container: container ?? undefined, limitBytes });
    } catch (e) {
      throw kubeError(e, { verb: 'get', resource: 'pods/log', namespace, context: this.context });
    }
  }

  async portForward(namespace: string, pod: string, port: number): Promise<PortForwardHandle> {
    const forward = new PortForward(this.kubeConfig);
    // One WebSocket per accepted connection, as kubectl port-forward opens one stream pair per connection.
    const server = createServer((socket) => {
      forward.portForward(namespace, pod, [port], socket, null, socket).then(
        (ws) => {
          const w = ws as { close(): void; on?(ev: string, f: () => void): void };
          socket.on('close', () => w.close());
          w.on?.('close', () => socket.end());
        },
        (e: unknown) => socket.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return {
      localPort: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
}

/** The exit code a pods/exec Status reports (0 on Success; -1 when the server gave none). */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? NaN : Number(cause.message);
  return Number.isFinite(code) ? code : -1;
}
