/**
 * Item 6 of #11: the comparison of the requests an identity made with the ClusterRole it is bound to, and the
 * API server's audit log as the source of those requests. Both the recorded case (test/support/api-recorder.ts)
 * and the audited one (test/e2e/rbac-audit.test.ts) compare through `roleDiff`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { allows, grantedPairs, pairOf, type ApiRequest, type PolicyRule } from './api-recorder.js';

/**
 * Requests every authenticated identity may make (system:basic-user): who am I, and may I (asked before a Secret
 * read left to the opt-in role). Not in the roles.
 */
export const BUILT_IN = new Set([
  'create authentication.k8s.io/selfsubjectreviews',
  'create authorization.k8s.io/selfsubjectaccessreviews',
]);

/** The distinct (verb, group/resource) pairs of a set of requests, built-in ones left out, sorted. */
export const madePairs = (rs: ApiRequest[]): string[] =>
  [...new Set(rs.map(pairOf))].filter((p) => !BUILT_IN.has(p)).sort();

/**
 * Reasons of grants a run makes only sometimes: a probe's failure diagnosis, a
 * Lease another run holds, a watch opened only when a wait's first list does not settle it.
 */
const SOMETIMES = /only on failure|holds the Lease|while it waits/;

/** How the requests made and the role differ; every list is empty when the role is exactly what was used. */
export interface RoleDiff {
  /** Pairs the server refused (403). */
  denied: string[];
  /** Pairs made that no rule grants (the server allowed them some other way: not the role under test). */
  ungranted: string[];
  /** Pairs granted that were neither made nor listed as needed by a feature this run does not use. */
  unused: string[];
  /** Pairs listed as "not exercised" that this run did make, or that the role no longer grants: the list is out of date. */
  stale: string[];
}

/**
 * Compares the requests `made` by an identity with the `rules` of its role. `unexercised` maps each grant this
 * run is not expected to make to the feature that needs it. A listed grant whose reason says it is only made
 * sometimes (SOMETIMES) is not stale when a busy run makes it after all: that must not turn CI red. A listed grant
 * the role does not have is stale whatever its reason: a grant taken out of the role leaves the list with it.
 */
export function roleDiff(rules: PolicyRule[], made: ApiRequest[], unexercised: Record<string, string>): RoleDiff {
  const pairs = madePairs(made);
  const granted = grantedPairs(rules);
  return {
    denied: [...new Set(made.filter((r) => r.status === 403).map(pairOf))].sort(),
    ungranted: pairs.filter((p) => !made.some((r) => pairOf(r) === p && allows(rules, r))),
    unused: granted.filter((g) => !pairs.includes(g) && !(g in unexercised)),
    stale: Object.keys(unexercised)
      .filter((g) => !granted.includes(g) || (pairs.includes(g) && !SOMETIMES.test(unexercised[g]!)))
      .sort(),
  };
}

/** The `jti` of a ServiceAccount token (a JWT): the audit log names each request's token by it. */
export function tokenId(jwt: string): string {
  const payload = jwt.split('.')[1];
  const jti = payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: string }).jti : null;
  if (!jti) throw new Error('the token carries no jti claim');
  return jti;
}

/** The fields of an audit.k8s.io/v1 Event this reads (Metadata level: no request or response body). */
interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  user?: { username?: string; extra?: Record<string, string[]> };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** The audit log and the files kube-apiserver rotated it into (audit-<time>.log beside it), oldest first. */
export function auditLogFiles(log: string): string[] {
  const dir = dirname(log);
  const stem = basename(log, '.log');
  if (!existsSync(dir)) return [];
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, f));
  return [...rotated, ...(existsSync(log) ? [log] : [])];
}

/**
 * The resource requests made with one token (by its jti), read from audit logs, one per request (a watch has a
 * ResponseStarted and a ResponseComplete event), named as the authorizer names them: the audit event's verb and
 * objectRef are the server's own RequestInfo. Non-resource requests (discovery, /version) carry no objectRef and
 * are left out: every authenticated identity may make them.
 */
export function auditedRequests(files: string[], jti: string): ApiRequest[] {
  const credential = `JTI=${jti}`;
  const seen = new Set<string>();
  const out: ApiRequest[] = [];
  for (const file of files)
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes(credential)) continue;
      const e = JSON.parse(line) as AuditEvent;
      if (!e.user?.extra?.['authentication.kubernetes.io/credential-id']?.includes(credential)) continue;
      if (!e.objectRef?.resource || seen.has(e.auditID)) continue;
      seen.add(e.auditID);
      const ref = e.objectRef;
      out.push({
        verb: e.verb,
        group: ref.apiGroup ?? '',
        resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource!,
        namespace: ref.namespace ?? null,
        name: ref.name ?? null,
        status: e.responseStatus?.code ?? 0,
      });
    }
  return out;
}
