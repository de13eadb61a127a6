/**
 * An in-memory KubeGateway that behaves like an API server where the engine depends on it: objects keyed by
 * apiVersion/kind/namespace/name, a resourceVersion counter, label and field selectors, watches that replay
 * from a resourceVersion and deliver asynchronously, 409 on create, finalizers honoured on delete, namespace
 * deletion taking its objects along, discovery (scope) from a registry of kinds.
 *
 * Test levers: `closeWatches()` (the server ends every stream), `failNextWatch(410)` (resourceVersion too old),
 * `compact()` (history dropped), `failOn(verb, kind, 403)`, `forgetKind()` (a CRD missing), `requests` (counts),
 * `goDown()`/`comeBack()` (an API server outage: connections refused, open watches broken).
 * Controllers in tests (velero-sim) write through `put`/`update`/`remove`, which are neither counted nor failed.
 */
import type {
  AccessRequest,
  ExecResult,
  KubeGateway,
  KubeIdentity,
  ListResult,
  PortForwardHandle,
  WatchHandle,
} from '../../src/kube/gateway.js';
import type { KubeObject, ObjectQuery, ObjectRef, WatchEventType } from '../../src/kube/types.js';
import { kubeError } from '../../src/kube/errors.js';
import type { DrillError } from '../../src/util/errors.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';

/** A programmable exec: what a command run in a pod returns (`onExec`); throwing makes the exec fail. */
export type ExecHandler = (call: {
  namespace: string;
  pod: string;
  container: string | null;
  command: string[];
}) => ExecResult | Promise<ExecResult>;
type Scope = 'namespaced' | 'cluster';
type CloseErr = { code?: number; message: string } | null;

const DEFAULT_KINDS: Array<[string, string, Scope]> = [
  ['v1', 'Namespace', 'cluster'],
  ['v1', 'PersistentVolume', 'cluster'],
  ['v1', 'Node', 'cluster'],
  ['v1', 'Pod', 'namespaced'],
  ['v1', 'Event', 'namespaced'],
  ['v1', 'PersistentVolumeClaim', 'namespaced'],
  ['v1', 'ConfigMap', 'namespaced'],
  ['v1', 'Secret', 'namespaced'],
  ['v1', 'Service', 'namespaced'],
  ['batch/v1', 'Job', 'namespaced'],
  ['batch/v1', 'CronJob', 'namespaced'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'namespaced'],
  ['networking.k8s.io/v1', 'Ingress', 'namespaced'],
  ['apps/v1', 'Deployment', 'namespaced'],
  ['apps/v1', 'StatefulSet', 'namespaced'],
  ['apps/v1', 'DaemonSet', 'namespaced'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'cluster'],
  ['coordination.k8s.io/v1', 'Lease', 'namespaced'],
  ...(
    ['Backup', 'Restore', 'Schedule', 'BackupStorageLocation', 'DownloadRequest', 'ServerStatusRequest'] as const
  ).map((k): [string, string, Scope] => ['velero.io/v1', k, 'namespaced']),
  ['velero.io/v1', 'PodVolumeRestore', 'namespaced'],
  ['velero.io/v2alpha1', 'DataDownload', 'namespaced'],
];

interface Watcher {
  query: ObjectQuery;
  onEvent: (type: WatchEventType, obj: KubeObject) => void;
  onClose: (err: CloseErr) => void;
  open: boolean;
}

interface Change {
  rv: number;
  type: WatchEventType;
  obj: KubeObject;
}

export class MemoryGateway implements KubeGateway {
  readonly kinds = new Map<string, Scope>(DEFAULT_KINDS.map(([a, k, s]) => [`${a}/${k}`, s]));
  readonly requests: Record<Verb, number> & { total: number } = {
    get: 0,
    list: 0,
    watch: 0,
    create: 0,
    patch: 0,
    delete: 0,
    total: 0,
  };
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private readonly listeners = new Set<(type: WatchEventType, obj: KubeObject) => void>();
  private history: Change[] = [];
  private oldestRv = 0;
  private rv = 0;
  private uid = 0;
  private failures: Array<{ verb: Verb; kind: string; code: number; times: number; clusterWideOnly: boolean }> = [];
  /** Every request's verb, kind and namespace (none: cluster-wide or cluster-scoped), in order. */
  readonly calls: Array<{ verb: Verb; kind: string; namespace?: string }> = [];
  private nextWatchError: number | null = null;
  private down = false;

  /** The API server's authenticator (SelfSubjectReview); unset until authenticatesAs, like a gateway that cannot ask. */
  whoAmI?: () => Promise<KubeIdentity>;

  /** The API server's authorizer (SelfSubjectAccessReview); unset until authorizes, like a gateway that cannot ask. */
  allows?: (request: AccessRequest) => Promise<boolean>;

  /** Makes the simulated API server answer SelfSubjectAccessReviews with `rule`, recording each request asked. */
  authorizes(rule: (request: AccessRequest) => boolean, asked: AccessRequest[] = []): this {
    this.allows = async (request) => {
      asked.push(request);
      return rule(request);
    };
    return this;
  }

  /** Makes the simulated API server answer SelfSubjectReviews with this user; an Error makes them fail. */
  authenticatesAs(user: string | Error, groups: string[] = []): this {
    this.whoAmI = async () => {
      if (user instanceof Error) throw user;
      return { user, groups };
    };
    return this;
  }

  constructor(
    readonly context = 'memory',
    readonly server = 'https://memory.invalid:6443',
  ) {}

  // ---- KubeGateway -------------------------------------------------------------------------------------------

  async get(ref: ObjectRef): Promise<KubeObject | null> {
    this.count('get', ref.kind, ref.namespace);
    if (!this.kinds.has(kindKey(ref))) return null;
    return clone(this.objects.get(keyOf(ref)) ?? null);
  }

  async list(q: ObjectQuery): Promise<ListResult> {
    this.count('list', q.kind, q.namespace);
    this.requireKind(q, 'list');
    const items = [...this.objects.values()].filter((o) => matches(o, q)).map((o) => clone(o)!);
    return { items, resourceVersion: String(this.rv) };
  }

  async watch(
    q: ObjectQuery,
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
    onClose: (err: CloseErr) => void,
  ): Promise<WatchHandle> {
    this.count('watch', q.kind, q.namespace);
    this.requireKind(q, 'watch');
    const w: Watcher = { query: q, onEvent, onClose, open: true };
    const from = Number(resourceVersion || this.rv);
    const forced = this.nextWatchError;
    this.nextWatchError = null;
    if (forced !== null || from < this.oldestRv) {
      const code = forced ?? 410;
      setImmediate(
        () =>
          w.open &&
          ((w.open = false),
          onClose({ code, message: code === 410 ? 'too old resource version' : `watch failed with ${code}` })),
      );
      return { stop: () => void (w.open = false) };
    }
    // Replay what happened since `from`, then live changes: nothing between a list and its watch is lost.
    const backlog = this.history.filter((c) => c.rv > from && matches(c.obj, q));
    this.watchers.add(w);
    for (const c of backlog) this.deliver(w, c.type, c.obj);
    return {
      stop: () => {
        w.open = false;
        this.watchers.delete(w);
      },
    };
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    this.count('create', ref.kind, ref.namespace);
    this.requireKind(ref, 'create');
    if (this.objects.has(keyOf(ref))) {
      throw this.statusError(409, 'create', ref, `${ref.kind.toLowerCase()}s "${ref.name}" already exists`);
    }
    if (ref.namespace && this.kinds.get(kindKey(ref)) === 'namespaced') {
      const ns = this.objects.get(keyOf({ apiVersion: 'v1', kind: 'Namespace', name: ref.namespace }));
      if (!ns) throw this.statusError(404, 'create', ref, `namespaces "${ref.namespace}" not found`);
      if (ns.metadata.deletionTimestamp)
        throw this.statusError(403, 'create', ref, `namespace ${ref.namespace} is being terminated`);
    }
    return clone(this.put(obj))!;
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    this.count('patch', ref.kind, ref.namespace);
    this.requireKind(ref, 'patch');
    const existing = this.objects.get(keyOf(ref));
    if (!existing) throw this.statusError(404, 'patch', ref, `${ref.kind} "${ref.name}" not found`);
    // Like the API server: a resourceVersion in the patch is a precondition (optimistic concurrency).
    const rv = (patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (rv !== undefined && rv !== existing.metadata.resourceVersion) {
      throw this.statusError(
        409,
        'patch',
        ref,
        `the object has been modified; please apply your changes to the latest version`,
      );
    }
    return clone(this.update(ref, (o) => mergePatch(o, patch) as KubeObject))!;
  }

  async delete(ref: ObjectRef): Promise<'deleted' | 'gone'> {
    this.count('delete', ref.kind, ref.namespace);
    this.requireKind(ref, 'delete');
    if (!this.objects.has(keyOf(ref))) return 'gone';
    this.remove(ref);
    return 'deleted';
  }

  async scope(apiVersion: string, kind: string): Promise<Scope | null> {
    this.refuseWhenDown('get', 'discovery', undefined);
    return this.kinds.get(`${apiVersion}/${kind}`) ?? null;
  }

  /** Exec calls made, in order (for assertions). */
  readonly execCalls: Array<{ namespace: string; pod: string; container: string | null; command: string[] }> = [];
  /** What exec does; default: the pod has no such command. */
  onExec: ExecHandler = () => ({ exitCode: 127, stdout: '', stderr: 'memory-gateway: no exec handler' });
  /** Pod port → local loopback port of a test server (`servePort`). */
  private readonly forwards = new Map<string, number>();

  async exec(
    namespace: string,
    pod: string,
    container: string | null,
    command: string[],
    _timeoutMs: number,
  ): Promise<ExecResult> {
    this.count('create', 'pods/exec', namespace);
    if (!this.objects.has(keyOf({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod }))) {
      throw this.statusError(
        404,
        'exec',
        { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
        `pods "${pod}" not found`,
      );
    }
    const call = { namespace, pod, container, command: [...command] };
    this.execCalls.push(call);
    return this.onExec(call);
  }

  /** Pod logs by `namespace/pod`; absent: 404 as from a node that keeps none. */
  readonly podLogs = new Map<string, string>();

  async logs(namespace: string, pod: string, _container: string | null, limitBytes: number): Promise<string> {
    this.count('get', 'pods/log', namespace);
    const text = this.podLogs.get(`${namespace}/${pod}`);
    if (text === undefined)
      throw this.statusError(
        404,
        'get',
        { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
        `no logs for pod ${pod}`,
      );
    return text.slice(-limitBytes);
  }

  /** A pod's port is served by a local server listening on 127.0.0.1:localPort (what a port-forward reaches). */
  servePort(namespace: string, pod: string, port: number, localPort: number): void {
    this.forwards.set(`${namespace}/${pod}:${port}`, localPort);
  }

  async portForward(namespace: string, pod: string, port: number): Promise<PortForwardHandle> {
    this.count('create', 'pods/portforward', namespace);
    const local = this.forwards.get(`${namespace}/${pod}:${port}`);
    if (local === undefined)
      throw this.statusError(
        404,
        'portforward',
        { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
        `nothing listens on ${pod}:${port}`,
      );
    return { localPort: local, close: async () => undefined };
  }

  // ---- the server side: what controllers (velero-sim) and test setup use; not counted, never failed ------------

  /** Creates or replaces an object (uid, resourceVersion, generation, creationTimestamp filled in). */
  put(obj: KubeObject): KubeObject {
    const ref = refOf(obj);
    if (!this.kinds.has(kindKey(ref))) throw new Error(`memory-gateway: unknown kind ${kindKey(ref)}`);
    const existing = this.objects.get(keyOf(ref));
    const o = clone(obj)!;
    o.metadata = {
      ...o.metadata,
      uid: existing?.metadata.uid ?? o.metadata.uid ?? `uid-${++this.uid}`,
      generation: o.metadata.generation ?? existing?.metadata.generation ?? 1,
      creationTimestamp:
        existing?.metadata.creationTimestamp ?? o.metadata.creationTimestamp ?? new Date().toISOString(),
      resourceVersion: String(++this.rv),
    };
    this.objects.set(keyOf(ref), o);
    this.emit(existing ? 'MODIFIED' : 'ADDED', o);
    return o;
  }

  /**
   * Changes an object in place. When the change empties the finalizers of an object being deleted, the object
   * goes, as on a real API server.
   */
  update(ref: ObjectRef, change: (o: KubeObject) => KubeObject | void): KubeObject | null {
    const current = this.objects.get(keyOf(ref));
    if (!current) return null;
    const draft = clone(current)!;
    const next = change(draft) ?? draft;
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && ref.kind !== 'Namespace') {
      this.erase(ref);
      return null;
    }
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(keyOf(ref), next);
    this.emit('MODIFIED', next);
    return next;
  }

  /** Deletes: objects with finalizers get a deletionTimestamp and stay; a namespace takes its objects with it. */
  remove(ref: ObjectRef): void {
    const o = this.objects.get(keyOf(ref));
    if (!o) return;
    if (ref.kind === 'Namespace' && ref.apiVersion === 'v1') {
      if (!o.metadata.deletionTimestamp)
        this.update(ref, (x) => void (x.metadata.deletionTimestamp = new Date().toISOString()));
      for (const inside of this.all().filter((x) => x.metadata.namespace === ref.name)) this.remove(refOf(inside));
      this.finishNamespace(ref.name);
      return;
    }
    if (o.metadata.finalizers?.length) {
      if (!o.metadata.deletionTimestamp)
        this.update(ref, (x) => void (x.metadata.deletionTimestamp = new Date().toISOString()));
      return;
    }
    this.erase(ref);
  }

  /** Every object held (copies), optionally of one kind. */
  all(kind?: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => !kind || o.kind === kind).map((o) => clone(o)!);
  }

  peek(ref: ObjectRef): KubeObject | null {
    return clone(this.objects.get(keyOf(ref)) ?? null);
  }

  /** `apiVersion/Kind namespace/name` of every object held, sorted: for "nothing else changed" assertions. */
  keys(): string[] {
    return [...this.objects.values()].map((o) => describe(o)).sort();
  }

  /** Every change, synchronously, after it is stored (what a controller's informer would see). */
  subscribe(listener: (type: WatchEventType, obj: KubeObject) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- test levers ---------------------------------------------------------------------------------------------

  /** The server ends every open watch stream cleanly (as on its own timeout). */
  closeWatches(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      setImmediate(() => w.open && ((w.open = false), w.onClose(null)));
    }
  }

  /** The next watch ends at once with this status (410: the resourceVersion is too old; relist). */
  failNextWatch(code = 410): void {
    this.nextWatchError = code;
  }

  /** Drops the change history: a watch from any earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.oldestRv = this.rv;
  }

  /**
   * `verb` on `kind` fails with `code` (403 by default) as client-gateway reports it; `times` limits it.
   * `clusterWideOnly`: only requests across all namespaces fail (a role bound per namespace, not cluster-wide).
   */
  failOn(verb: Verb, kind: string, code = 403, times = Infinity, clusterWideOnly = false): void {
    this.failures.push({ verb, kind, code, times, clusterWideOnly });
  }

  /** The API server stops serving a kind (`forgetKind('velero.io/v1')` drops every Velero CRD). */
  forgetKind(apiVersion: string, kind?: string): void {
    for (const k of [...this.kinds.keys()])
      if (kind ? k === `${apiVersion}/${kind}` : k.startsWith(`${apiVersion}/`)) this.kinds.delete(k);
  }

  /**
   * The API server goes away (a control-plane restart): every request fails as a refused connection does through
   * client-gateway, and every open watch stream breaks with a transport error.
   */
  goDown(): void {
    this.down = true;
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      setImmediate(() => w.open && ((w.open = false), w.onClose({ message: 'read ECONNRESET' })));
    }
  }

  /** The API server answers again. */
  comeBack(): void {
    this.down = false;
  }

  /** Open watch streams. */
  get openWatches(): number {
    return this.watchers.size;
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private count(verb: Verb, kind: string, namespace: string | undefined): void {
    this.requests[verb]++;
    this.requests.total++;
    this.calls.push({ verb, kind, namespace });
    this.refuseWhenDown(verb, kind, namespace);
    const f = this.failures.find(
      (x) => x.verb === verb && x.kind === kind && x.times > 0 && (!x.clusterWideOnly || !namespace),
    );
    if (!f) return;
    f.times--;
    throw this.statusError(
      f.code,
      verb,
      { apiVersion: '', kind, namespace, name: '' },
      f.code === 403 ? `${kind.toLowerCase()}s is forbidden` : `injected ${f.code}`,
    );
  }

  private refuseWhenDown(verb: string, kind: string, namespace: string | undefined): void {
    if (!this.down) return;
    const refused = Object.assign(new Error(`connect ECONNREFUSED ${this.server}`), { code: 'ECONNREFUSED' });
    throw kubeError(refused, { verb, resource: kind, namespace, context: this.context });
  }

  private requireKind(q: { apiVersion: string; kind: string; namespace?: string }, verb: Verb): void {
    if (this.kinds.has(kindKey(q))) return;
    throw this.statusError(
      404,
      verb,
      { ...q, name: '' },
      `the server could not find the requested resource (${q.kind} ${q.apiVersion})`,
    );
  }

  /** What client-gateway throws for an HTTP status: kubeError's DrillError, with the status code kept. */
  private statusError(
    code: number,
    verb: string,
    ref: ObjectRef,
    message: string,
  ): DrillError & { statusCode: number } {
    const raw = Object.assign(new Error(message), { statusCode: code });
    return Object.assign(
      kubeError(raw, { verb, resource: ref.kind, namespace: ref.namespace, context: this.context }),
      { statusCode: code },
    );
  }

  private erase(ref: ObjectRef): void {
    const o = this.objects.get(keyOf(ref));
    if (!o) return;
    this.objects.delete(keyOf(ref));
    const gone = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
    this.emit('DELETED', gone);
    if (o.metadata.namespace) this.finishNamespace(o.metadata.namespace);
  }

  /** A terminating namespace goes once nothing is left in it. */
  private finishNamespace(name: string): void {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name };
    const ns = this.objects.get(keyOf(ref));
    if (!ns?.metadata.deletionTimestamp || ns.metadata.finalizers?.length) return;
    if ([...this.objects.values()].some((o) => o.metadata.namespace === name)) return;
    this.erase(ref);
  }

  private emit(type: WatchEventType, obj: KubeObject): void {
    this.history.push({ rv: this.rv, type, obj: clone(obj)! });
    for (const w of this.watchers) if (matches(obj, w.query)) this.deliver(w, type, obj);
    for (const l of this.listeners) l(type, clone(obj)!);
  }

  private deliver(w: Watcher, type: WatchEventType, obj: KubeObject): void {
    const copy = clone(obj)!;
    setImmediate(() => w.open && w.onEvent(type, copy));
  }
}

// ---- selectors -------------------------------------------------------------------------------------------------

/** Whether an object is in a query: kind, namespace, name, label selector and field selector. */
export function matches(o: KubeObject, q: ObjectQuery): boolean {
  if (o.apiVersion !== q.apiVersion || o.kind !== q.kind) return false;
  if (q.namespace && o.metadata.namespace !== q.namespace) return false;
  if (q.name && o.metadata.name !== q.name) return false;
  if (q.labelSelector && !labelsMatch(o.metadata.labels ?? {}, q.labelSelector)) return false;
  if (q.fieldSelector && !fieldsMatch(o, q.fieldSelector)) return false;
  return true;
}

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`. */
export function labelsMatch(labels: Record<string, string>, selector: string): boolean {
  return splitTerms(selector).every((term) => {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = m[1] in labels && values.includes(labels[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    if ((m = /^([^\s!=]+)\s*!=\s*(.*)$/.exec(term))) return labels[m[1]] !== m[2];
    if ((m = /^([^\s!=]+)\s*==?\s*(.*)$/.exec(term))) return labels[m[1]] === m[2];
    if ((m = /^!\s*(\S+)$/.exec(term))) return !(m[1] in labels);
    if (/^\S+$/.test(term)) return term in labels;
    throw new Error(`memory-gateway: cannot parse label selector term "${term}"`);
  });
}

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) terms.push(cur.trim());
  return terms.filter(Boolean);
}

/** Field selectors as the API server supports them here: `path=value`, `path==value`, `path!=value`. */
function fieldsMatch(o: KubeObject, selector: string): boolean {
  return selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .every((term) => {
      const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
      if (!m) throw new Error(`memory-gateway: cannot parse field selector "${term}"`);
      const actual = m[1].split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
      const equal = String(actual ?? '') === m[3];
      return m[2] === '!=' ? !equal : equal;
    });
}

// ---- helpers ---------------------------------------------------------------------------------------------------

function kindKey(r: { apiVersion: string; kind: string }): string {
  return `${r.apiVersion}/${r.kind}`;
}

function keyOf(r: ObjectRef): string {
  return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

function refOf(o: KubeObject): ObjectRef {
  return { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', namespace: o.metadata.namespace, name: o.metadata.name };
}

function describe(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

function clone<T>(x: T): T {
  return x === null ? x : structuredClone(x);
}

/** RFC 7386 JSON merge patch: null deletes, objects merge, everything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
