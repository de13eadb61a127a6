/**
 * A recording front for a real kube-apiserver: plain HTTP on loopback in front of the server's HTTPS, so that a
 * test sees every request a dr-drill process makes (watches and exec/port-forward upgrades included) and can
 * name each one as the API server's authorizer does, (verb, group, resource), without changing the server's
 * flags (the local clusters are shared and have no audit policy). What it records is what the server authorized:
 * requests pass through untouched, with the caller's own credentials.
 */
import { request as httpsRequest } from 'node:https';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** One request as the authorizer sees it (k8s.io/apiserver RequestInfoFactory). */
export interface ApiRequest {
  verb: string;
  /** API group, '' for the core group. */
  group: string;
  /** Resource, with its subresource: `pods/exec`. */
  resource: string;
  namespace: string | null;
  name: string | null;
  status: number;
}

/**
 * The (verb, group, resource) of a request path, or null for a non-resource URL (discovery, /version, /openapi),
 * which every authenticated identity may read. Mirrors RequestInfoFactory: GET on a collection is list (watch
 * with `watch=true`), DELETE on a collection is deletecollection.
 */
export function requestInfo(method: string, url: string): Omit<ApiRequest, 'status'> | null {
  const u = new URL(url, 'http://x');
  const parts = u.pathname.split('/').filter(Boolean);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return null;
  let namespace: string | null = null;
  // /namespaces/{ns}/{resource}… is namespaced; /namespaces, /namespaces/{name}[/status|/finalize] are Namespaces.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, sub] = rest as [string, string | undefined, string | undefined];
  const watch = ['true', '1'].includes(u.searchParams.get('watch') ?? '');
  const verb =
    method === 'GET' || method === 'HEAD'
      ? name
        ? watch
          ? 'watch'
          : 'get'
        : watch
          ? 'watch'
          : 'list'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? name
                ? 'delete'
                : 'deletecollection'
              : method.toLowerCase();
  return { verb, group, resource: sub ? `${resource}/${sub}` : resource, namespace, name: name ?? null };
}

export interface ApiRecorder {
  /** http://127.0.0.1:<port>: put it as the cluster's server in a kubeconfig. */
  url: string;
  requests: ApiRequest[];
  close(): Promise<void>;
}

/** Starts a recorder in front of `server` (https://host:port) that trusts `ca` (PEM). */
export async function startApiRecorder(server: string, ca: string): Promise<ApiRecorder> {
  const up = new URL(server);
  const port = Number(up.port || 443);
  const requests: ApiRequest[] = [];
  const record = (req: IncomingMessage, status: number) => {
    const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
    if (info) requests.push({ ...info, status });
  };
  const headersFor = (req: IncomingMessage) => ({ ...req.headers, host: up.host });

  const srv: Server = createServer((req, res) => {
    const fwd = httpsRequest(
      { host: up.hostname, port, method: req.method, path: req.url, headers: headersFor(req), ca },
      (ures) => {
        record(req, ures.statusCode ?? 0);
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        ures.pipe(res);
      },
    );
    fwd.on('error', (e) => {
      record(req, 502);
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(fwd);
  });
  // exec and port-forward: an HTTP upgrade (WebSocket or SPDY). Replay the request on a TLS socket and splice.
  srv.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const tls = tlsConnect({ host: up.hostname, port, ca, servername: up.hostname }, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (const [k, v] of Object.entries(headersFor(req)))
        for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`${k}: ${one}`);
      tls.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) tls.write(head);
      tls.once('data', (first: Buffer) => {
        record(req, Number(/^HTTP\/1\.1 (\d{3})/.exec(first.toString('latin1'))?.[1] ?? 0));
        socket.write(first);
        tls.pipe(socket);
        socket.pipe(tls);
      });
    });
    const end = () => {
      tls.destroy();
      socket.destroy();
    };
    tls.on('error', end);
    socket.on('error', end);
    tls.on('close', end);
    socket.on('close', end);
  });
  const sockets = new Set<import('node:net').Socket>();
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** A ClusterRole rule, as in deploy/rbac. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** True when one of the rules grants the request (wildcards included; resourceNames narrow a rule to names). */
export function allows(rules: PolicyRule[], r: Pick<ApiRequest, 'verb' | 'group' | 'resource' | 'name'>): boolean {
  const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));
  return rules.some(
    (rule) =>
      has(rule.verbs, r.verb) &&
      has(rule.apiGroups, r.group) &&
      has(rule.resources, r.resource) &&
      (!rule.resourceNames?.length || (r.name !== null && rule.resourceNames.includes(r.name))),
  );
}

/** `verb group/resource` for messages and set comparison (`get /pods` for the core group). */
export const pairOf = (r: { verb: string; group: string; resource: string }) => `${r.verb} ${r.group}/${r.resource}`;

/** Every (verb, group, resource) a set of rules grants, spelled as pairOf (no wildcards expected). */
export function grantedPairs(rules: PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules)
    for (const g of rule.apiGroups ?? [])
      for (const res of rule.resources ?? [])
        for (const v of rule.verbs) out.add(pairOf({ verb: v, group: g, resource: res }));
  return [...out].sort();
}
