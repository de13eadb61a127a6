import { ApiException } from '@kubernetes/client-node';
import { DrillError, infraError, describeError } from '../util/errors.js';

interface StatusBody {
  reason?: string;
  message?: string;
  code?: number;
  details?: { kind?: string; name?: string; group?: string; retryAfterSeconds?: number };
}

/** HTTP status of a client-node failure, or null for a transport error. */
export function statusCode(e: unknown): number | null {
  if (e instanceof ApiException) return e.code;
  const c = (e as { code?: unknown; statusCode?: unknown })?.statusCode ?? (e as { code?: unknown })?.code;
  return typeof c === 'number' ? c : null;
}

/**
 * How long the API server asked the client to wait before repeating (429 from API Priority and Fairness, 503 while
 * it starts): the Retry-After header, else the Status' details.retryAfterSeconds. Null when it did not say.
 */
export function retryAfterSeconds(e: unknown): number | null {
  const fromErr = (e as { retryAfterSeconds?: unknown })?.retryAfterSeconds;
  if (typeof fromErr === 'number') return fromErr;
  if (!(e instanceof ApiException)) return null;
  const headers = (e.headers ?? {}) as Record<string, string>;
  const h = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const n = h !== undefined && /^\d+$/.test(h.trim()) ? Number(h.trim()) : statusBody(e)?.details?.retryAfterSeconds;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
}

function statusBody(e: unknown): StatusBody | null {
  if (!(e instanceof ApiException)) return null;
  const b = e.body as unknown;
  if (typeof b === 'string') {
    try {
      return JSON.parse(b) as StatusBody;
    } catch {
      return { message: b.slice(0, 300) };
    }
  }
  return (b as StatusBody) ?? null;
}

export function isNotFound(e: unknown): boolean {
  return statusCode(e) === 404;
}
export function isConflict(e: unknown): boolean {
  return statusCode(e) === 409;
}

/**
 * The RBAC rule that would allow a denied request. The authorizer's message names verb, resource (with its
 * subresource, e.g. pods/exec) and group; the Status details carry the group and resource without subresource.
 */
function deniedHint(verb: string, resource: string, body: StatusBody | null): string {
  const said = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"/.exec(body?.message ?? '');
  const rule = said
    ? { verb: said[1]!, plural: said[2]!, group: said[3]! }
    : body?.details?.kind
      ? { verb, plural: body.details.kind, group: body.details.group ?? '' }
      : null;
  if (!rule) return `grant the drill's identity '${verb}' on '${resource}' (see deploy/rbac/drill-runner.yaml)`;
  return (
    `add the rule { apiGroups: ["${rule.group}"], resources: ["${rule.plural}"], verbs: ["${rule.verb}"] } to the ` +
    `ClusterRole bound to the drill's identity (deploy/rbac/drill-runner.yaml has every rule a drill needs; docs/rbac.md)`
  );
}

/**
 * A client-node failure as a DrillError for people: a denied request names the verb, resource and namespace;
 * an unreachable server names the context.
 */
export function kubeError(
  e: unknown,
  what: { verb: string; resource: string; namespace?: string; context: string },
): DrillError {
  if (e instanceof DrillError) return e;
  const where = what.namespace ? ` in namespace ${what.namespace}` : '';
  const code = statusCode(e);
  const body = statusBody(e);
  // The HTTP status stays on the DrillError, so callers can still ask isNotFound/isConflict of it.
  // A status made up by the gateway itself (a kind the server does not serve) has its words in the Error.
  const detail = body?.message ?? (!(e instanceof ApiException) && e instanceof Error ? e.message : 'no message');
  const retryAfter = retryAfterSeconds(e);
  const withStatus = (d: DrillError): DrillError =>
    code === null
      ? d
      : Object.assign(d, { statusCode: code }, retryAfter === null ? {} : { retryAfterSeconds: retryAfter });
  if (code === 401) {
    return withStatus(
      infraError(
        'KUBE_UNAUTHORIZED',
        `context ${what.context}: the API server rejected the credentials (401)`,
        'refresh the kubeconfig credentials (e.g. az aks get-credentials, kubelogin) and retry',
      ),
    );
  }
  if (code === 403) {
    return withStatus(
      infraError(
        'KUBE_FORBIDDEN',
        `context ${what.context}: permission denied to ${what.verb} ${what.resource}${where}` +
          (body?.message ? ` (${body.message})` : ''),
        deniedHint(what.verb, what.resource, body),
      ),
    );
  }
  if (code === 409) {
    return withStatus(
      infraError(
        'KUBE_CONFLICT',
        `context ${what.context}: ${what.verb} ${what.resource}${where} failed with 409${body?.reason ? ` ${body.reason}` : ''}: ${detail}`,
        'the object already exists or changed at the same moment: if an earlier drill left it, run dr-drill cleanup; otherwise rerun',
      ),
    );
  }
  if (code !== null && code >= 400) {
    return withStatus(
      infraError(
        'KUBE_API_ERROR',
        `context ${what.context}: ${what.verb} ${what.resource}${where} failed with ${code}${body?.reason ? ` ${body.reason}` : ''}: ${detail}`,
        'check the API server and the request; rerun with the same scenario once fixed',
      ),
    );
  }
  const msg = describeError(e);
  const net =
    (e as { code?: unknown; cause?: { code?: unknown } })?.code ?? (e as { cause?: { code?: unknown } })?.cause?.code;
  if (
    typeof net !== 'string' &&
    !/ECONN|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|socket|network|fetch failed|certificate|TLS/i.test(msg)
  ) {
    return infraError(
      'KUBE_CLIENT_ERROR',
      `context ${what.context}: ${what.verb} ${what.resource}${where} failed in the client: ${msg}`,
      'this is likely a dr-drill bug; the journal in the report folder has the details',
    );
  }
  return infraError(
    'KUBE_UNREACHABLE',
    `context ${what.context}: cannot reach the API server to ${what.verb} ${what.resource}${where}: ${msg}`,
    'check that the cluster is up and the kubeconfig context points at it',
  );
}
