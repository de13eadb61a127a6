/**
 * An API server that answered once and then stops answering is an outage, not a verdict: a control-plane restart
 * (AKS upgrades, etcd failover) drops watches and refuses connections for seconds. This gateway rides it out —
 * requests that are safe to repeat are retried until the server answers again or the outage budget is spent —
 * and reports each outage (when, how long, how many requests waited) so the drill can state it in the report.
 *
 * A server that never answered is not retried: a wrong context or a dead cluster must fail fast, not after the
 * budget. Creates are repeated only when the connection was refused (the request never reached the server), so
 * an object is never created twice.
 */
import type {
  AccessRequest,
  ExecResult,
  KubeGateway,
  ListResult,
  PortForwardHandle,
  ServerTime,
  WatchHandle,
} from './gateway.js';
import type { KubeObject, ObjectQuery, ObjectRef, WatchEventType } from './types.js';
import { DrillError, describeError } from '../util/errors.js';
import { retryAfterSeconds } from './errors.js';

/** The longest Retry-After honoured per step; a server asking for more is still asked again within the budget. */
const MAX_RETRY_AFTER_MS = 30_000;

/** One stretch of time in which the API server of a context did not answer. */
export interface ApiOutage {
  context: string;
  server: string;
  /** Runner's wall clock (UTC) when the first request failed. */
  startedAt: Date;
  /** Until the first request that succeeded again (monotonic). */
  durationSeconds: number;
  /** Requests that failed and were repeated during the outage. */
  retriedRequests: number;
  /** The first transport error seen, for the report (no credentials: the client's message names only the URL). */
  firstError: string;
}

/** How long a request rides out an API server outage, and who hears when it ends. */
export interface ResilienceOptions {
  /** How long one request may wait for the server to come back before its error stands (default 120 s). */
  budgetMs?: number;
  /** Called when the server answers again after an outage. */
  onOutage?: (o: ApiOutage) => void;
  /** Called at the first failed request of an outage (a live progress line; the outage may last). */
  onOutageStart?: (context: string, error: string) => void;
  /** Monotonic milliseconds and the wall clock; tests pass their own. */
  now?: () => number;
  wallClock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_OUTAGE_BUDGET_MS = 120_000;

/** Transport failures and the statuses an API server gives while it starts or sheds load. */
export function isTransient(e: unknown): boolean {
  if (e instanceof DrillError) {
    if (e.code === 'KUBE_UNREACHABLE') return true;
    const status = (e as DrillError & { statusCode?: number }).statusCode;
    return status === 429 || status === 502 || status === 503 || status === 504;
  }
  const msg = describeError(e);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|other side closed/i.test(msg);
}

/** The connection was refused: nothing reached the server, so even a create can be sent again. */
function neverSent(e: unknown): boolean {
  return /ECONNREFUSED/.test(describeError(e));
}

export function resilientGateway(inner: KubeGateway, opts: ResilienceOptions = {}): KubeGateway {
  const budgetMs = opts.budgetMs ?? DEFAULT_OUTAGE_BUDGET_MS;
  const now = opts.now ?? (() => performance.now());
  const wall = opts.wallClock ?? (() => new Date());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let answeredOnce = false;
  let outage: { startedMono: number; startedAt: Date; retried: number; firstError: string } | null = null;

  const succeeded = (): void => {
    answeredOnce = true;
    if (!outage) return;
    const o = outage;
    outage = null;
    // A broken stream whose re-list answered at once was a dropped connection, not an outage.
    if (o.retried === 0) return;
    opts.onOutage?.({
      context: inner.context,
      server: inner.server,
      startedAt: o.startedAt,
      durationSeconds: Math.round(now() - o.startedMono) / 1000,
      retriedRequests: o.retried,
      firstError: o.firstError,
    });
  };

  const begin = (error: string) => {
    if (!outage) {
      outage = { startedMono: now(), startedAt: wall(), retried: 0, firstError: error };
      opts.onOutageStart?.(inner.context, error);
    }
    return outage;
  };

  async function call<T>(op: () => Promise<T>, repeatable: (e: unknown) => boolean = isTransient): Promise<T> {
    const started = now();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await op();
        succeeded();
        return r;
      } catch (e) {
        if (!answeredOnce || !isTransient(e) || !repeatable(e)) {
          // A definite answer (404, 409, 403…) also proves the server is back.
          if (answeredOnce && !isTransient(e)) succeeded();
          throw e;
        }
        const o = begin(describeError(e));
        o.retried++;
        if (now() - started >= budgetMs) throw e;
        // Short steps: a restarted API server is noticed within a second, which keeps the drill's RTO honest. A server
        // shedding load (429/503) that says how long to wait is given that long: hammering it prolongs the outage.
        const step = Math.min(1000, 100 * 2 ** Math.min(attempt, 4));
        const asked = retryAfterSeconds(e);
        const wait = asked === null ? step : Math.max(step, Math.min(asked * 1000, MAX_RETRY_AFTER_MS));
        await sleep(Math.min(wait, Math.max(0, budgetMs - (now() - started))));
      }
    }
  }

  const gw: KubeGateway = {
    context: inner.context,
    server: inner.server,
    get: (ref: ObjectRef) => call(() => inner.get(ref)),
    list: (q: ObjectQuery): Promise<ListResult> => call(() => inner.list(q)),
    watch: (
      q: ObjectQuery,
      rv: string,
      onEvent: (type: WatchEventType, obj: KubeObject) => void,
      onClose: (err: { code?: number; message: string } | null) => void,
    ): Promise<WatchHandle> =>
      call(() =>
        inner.watch(q, rv, onEvent, (err) => {
          // A stream broken by the transport is the first sign of an outage; the caller's re-list ends it.
          if (err && answeredOnce && isTransient(new Error(err.message))) begin(err.message);
          onClose(err);
        }),
      ),
    create: (obj: KubeObject) => call(() => inner.create(obj), neverSent),
    // A merge patch and a delete give the same result when repeated; a repeated delete may say 'gone'.
    mergePatch: (ref: ObjectRef, patch: Record<string, unknown>) => call(() => inner.mergePatch(ref, patch)),
    delete: (ref: ObjectRef) => call(() => inner.delete(ref)),
    scope: (apiVersion: string, kind: string) => call(() => inner.scope(apiVersion, kind)),
  };
  // Exec, logs and port-forwards are the probes' own business (they poll and report what they saw); they are not
  // repeated here, but their success still ends an outage.
  if (inner.exec) {
    const exec = inner.exec.bind(inner);
    gw.exec = (ns: string, pod: string, c: string | null, cmd: string[], t: number): Promise<ExecResult> =>
      call(
        () => exec(ns, pod, c, cmd, t),
        () => false,
      );
  }
  if (inner.logs) {
    const logs = inner.logs.bind(inner);
    gw.logs = (ns: string, pod: string, c: string | null, limit: number) => call(() => logs(ns, pod, c, limit));
  }
  if (inner.exportKubeconfig) gw.exportKubeconfig = inner.exportKubeconfig.bind(inner);
  if (inner.serverTime) {
    const serverTime = inner.serverTime.bind(inner);
    gw.serverTime = (): Promise<ServerTime> => call(() => serverTime());
  }
  if (inner.whoAmI) {
    const whoAmI = inner.whoAmI.bind(inner);
    gw.whoAmI = () => call(() => whoAmI());
  }
  if (inner.allows) {
    const allows = inner.allows.bind(inner);
    gw.allows = (request: AccessRequest) => call(() => allows(request));
  }
  if (inner.portForward) {
    const pf = inner.portForward.bind(inner);
    gw.portForward = (ns: string, pod: string, port: number): Promise<PortForwardHandle> =>
      call(
        () => pf(ns, pod, port),
        () => false,
      );
  }
  return gw;
}
