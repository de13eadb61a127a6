/**
 * A local HTTPS server that speaks enough of the ARM protocol for managed clusters and resource groups:
 * PUT/GET/DELETE with api-version, 201 + Azure-AsyncOperation + Location, operation status polling
 * (InProgress → Succeeded/Failed), DELETE 202 + Location, `{error:{code,message}}` bodies, 429 + Retry-After,
 * If-None-Match, listClusterAdminCredentials/listClusterUserCredentials (base64 kubeconfig), and list by tag.
 * Every request is recorded for assertions; faults are injected per test.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeTls, type FakeTls } from './tls.js';

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  auth: string | null;
  ifNoneMatch: string | null;
  body: unknown;
}

/** A fault for the next matching request(s). */
export interface Fault {
  method?: string;
  /** Substring of the path. */
  path?: string;
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
  /** How many requests it answers (default 1). */
  times?: number;
  /** Fail the long-running operation instead of the request: the PUT is accepted, the status says Failed. */
  asyncFailure?: boolean;
  /** Runs when the fault answers, e.g. to make someone else's cluster appear in a race. */
  then?: () => void;
}

/** The identity the fake's token stands for: an application, as a CI service principal or managed identity is. */
export const FAKE_ARM_APP_ID = '11111111-2222-3333-4444-555555555555';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** An unsigned JWT-shaped token, so the code under test reads its claims as it does a real ARM token's. */
export const FAKE_ARM_TOKEN = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ appid: FAKE_ARM_APP_ID, oid: 'fake-oid' })}.fake-arm-signature`;

interface Cluster {
  body: Record<string, unknown>;
  /** ARM's systemData.createdBy; absent on resources ARM says nothing about. */
  createdBy?: string;
  rg: string;
  name: string;
  state: 'Creating' | 'Succeeded' | 'Failed' | 'Deleting';
}

/** The local `dr` cluster's kubeconfig of the dr-drill local environment, when it exists. */
export function localDrKubeconfig(): string | null {
  const p = join(process.env.DR_DRILL_LOCAL_STATE || join(homedir(), '.local/state/dr-drill/local'), 'kubeconfig');
  if (!existsSync(p)) return null;
  return readFileSync(p, 'utf8');
}

const DUMMY_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: fake-aks
  cluster: { server: 'https://127.0.0.1:1' }
users:
- name: fake-admin
  user: { token: dummy }
contexts:
- name: fake-aks-admin
  context: { cluster: fake-aks, user: fake-admin }
current-context: fake-aks-admin
`;

export class FakeArm {
  readonly requests: RecordedRequest[] = [];
  readonly clusters = new Map<string, Cluster>();
  readonly resourceGroups = new Map<string, { location: string; tags: Record<string, string> }>();
  readonly faults: Fault[] = [];
  /** Keys of clusters seeded by a test (someone else's, or an earlier drill's), as opposed to made through PUT. */
  readonly seeded = new Set<string>();
  /** Status polls a create/delete answers InProgress before it is done. */
  pollsUntilDone = 2;
  private readonly ops = new Map<
    string,
    { polls: number; result: 'Succeeded' | 'Failed'; error?: { code: string; message: string }; onDone: () => void }
  >();
  private server: Server | null = null;
  private opSeq = 0;
  tls: FakeTls | null = null;
  url = '';

  /** kubeconfig: the text listClusterAdminCredentials returns (default: a dummy one). */
  constructor(private readonly opts: { kubeconfig?: string } = {}) {}

  async start(): Promise<this> {
    this.tls = makeTls();
    this.server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Requests that write (PUT, POST of an action excluded) or delete, as `METHOD path`. */
  writes(): string[] {
    return this.requests
      .filter((r) => r.method === 'PUT' || r.method === 'DELETE' || r.method === 'PATCH')
      .map((r) => `${r.method} ${r.path}`);
  }

  /** Environment for a child process that talks to this fake. */
  env(): Record<string, string> {
    return {
      DR_DRILL_ARM_ENDPOINT: this.url,
      DR_DRILL_ARM_TOKEN: FAKE_ARM_TOKEN,
      NODE_EXTRA_CA_CERTS: this.tls!.caFile,
      DR_DRILL_ARM_POLL_MS: '20',
    };
  }

  fault(f: Fault): void {
    this.faults.push({ times: 1, ...f });
  }

  /** Adds a cluster as if an earlier drill (or someone else: createdBy) had made it. */
  seedCluster(sub: string, rg: string, name: string, tags: Record<string, string>, createdBy?: string): void {
    this.seeded.add(`${sub}/${rg}/${name}`.toLowerCase());
    this.clusters.set(`${sub}/${rg}/${name}`.toLowerCase(), {
      rg,
      name,
      createdBy,
      state: 'Succeeded',
      body: { location: 'westeurope', tags, properties: { provisioningState: 'Succeeded' } },
    });
  }

  private takeFault(method: string, path: string): Fault | null {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
    if (i < 0) return null;
    const f = this.faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    this.requests.push({
      method,
      path: u.pathname,
      apiVersion: u.searchParams.get('api-version'),
      auth: req.headers.authorization ?? null,
      ifNoneMatch: (req.headers['if-none-match'] as string) ?? null,
      body,
    });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-ms-request-id': `req-${this.requests.length}`,
        ...headers,
      });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { error: { code, message } }, headers);
    if (!u.searchParams.get('api-version'))
      return error(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    if (req.headers.authorization !== `Bearer ${FAKE_ARM_TOKEN}`)
      return error(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    const fault = this.takeFault(method, u.pathname);
    fault?.then?.();
    if (fault && !fault.asyncFailure)
      return error(
        fault.status,
        fault.code,
        fault.message,
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
      );

    const p = u.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/operations\/([^/]+)$/.exec(p))) {
      const op = this.ops.get(m[1]);
      if (!op) return error(404, 'NotFound', 'no such operation');
      if (op.polls-- > 0) return send(200, { name: m[1], status: 'InProgress' }, { 'retry-after': '0' });
      op.onDone();
      if (op.result === 'Failed') return send(200, { name: m[1], status: 'Failed', error: op.error });
      return send(200, { name: m[1], status: 'Succeeded' });
    }
    if ((m = /^\/deletions\/([^/]+)$/.exec(p))) {
      const op = this.ops.get(m[1]);
      if (!op) return send(204, undefined);
      if (op.polls-- > 0)
        return send(202, undefined, { location: `${this.url}/deletions/${m[1]}`, 'retry-after': '0' });
      op.onDone();
      return send(204, undefined);
    }
    if ((m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i.exec(p))) {
      const key = `${m[1]}/${m[2]}`.toLowerCase();
      if (method === 'GET')
        return this.resourceGroups.has(key)
          ? send(200, { name: m[2], ...this.resourceGroups.get(key) })
          : error(404, 'ResourceGroupNotFound', `Resource group '${m[2]}' could not be found.`);
      if (method === 'PUT') {
        const b = body as { location: string; tags?: Record<string, string> };
        const existed = this.resourceGroups.has(key);
        this.resourceGroups.set(key, { location: b.location, tags: b.tags ?? {} });
        return send(existed ? 200 : 201, {
          name: m[2],
          location: b.location,
          tags: b.tags,
          properties: { provisioningState: 'Succeeded' },
        });
      }
      if (method === 'DELETE') {
        if (!this.resourceGroups.has(key)) return send(204, undefined);
        const id = this.newOp(0, 'Succeeded', () => {
          this.resourceGroups.delete(key);
          for (const k of [...this.clusters.keys()]) if (k.startsWith(key + '/')) this.clusters.delete(k);
        });
        return send(202, undefined, { location: `${this.url}/deletions/${id}`, 'retry-after': '0' });
      }
    }
    const base =
      /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerService\/managedClusters(?:\/([^/]+))?(?:\/(listClusterAdminCredential|listClusterUserCredential))?$/i.exec(
        p,
      );
    if (!base) return error(404, 'InvalidResourceType', `no route for ${method} ${p}`);
    const [, sub, rg, name, action] = base;
    if (!name) {
      const list = [...this.clusters.entries()]
        .filter(([k]) => k.startsWith(`${sub}/`.toLowerCase()) && (!rg || k.startsWith(`${sub}/${rg}/`.toLowerCase())))
        .map(([, c]) => this.resource(sub, c));
      return send(200, { value: list });
    }
    if (!rg) return error(404, 'InvalidResourceType', 'missing resource group');
    const key = `${sub}/${rg}/${name}`.toLowerCase();
    const c = this.clusters.get(key);
    if (action) {
      if (method !== 'POST') return error(405, 'MethodNotAllowed', 'POST only');
      if (!c)
        return error(
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found.`,
        );
      const kubeconfig = this.opts.kubeconfig ?? DUMMY_KUBECONFIG;
      return send(200, {
        kubeconfigs: [
          {
            name: action.includes('Admin') ? 'clusterAdmin' : 'clusterUser',
            value: Buffer.from(kubeconfig).toString('base64'),
          },
        ],
      });
    }
    if (method === 'GET') {
      if (!c)
        return error(
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found.`,
        );
      return send(200, this.resource(sub, c));
    }
    if (method === 'PUT') {
      if (!this.resourceGroups.has(`${sub}/${rg}`.toLowerCase()))
        return error(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
      if (c && req.headers['if-none-match'] === '*')
        return error(412, 'PreconditionFailed', `The resource '${name}' already exists.`);
      if (c && c.state === 'Creating')
        return error(
          409,
          'OperationNotAllowed',
          "Operation is not allowed because there's an in progress create managed cluster operation.",
        );
      const cluster: Cluster = {
        rg,
        name,
        state: 'Creating',
        body: body as Record<string, unknown>,
        createdBy: FAKE_ARM_APP_ID,
      };
      this.clusters.set(key, cluster);
      const asyncFault = fault?.asyncFailure ? fault : null;
      const id = this.newOp(
        this.pollsUntilDone,
        asyncFault ? 'Failed' : 'Succeeded',
        () => {
          cluster.state = asyncFault ? 'Failed' : 'Succeeded';
        },
        asyncFault ? { code: asyncFault.code, message: asyncFault.message } : undefined,
      );
      return send(201, this.resource(sub, cluster), {
        'azure-asyncoperation': `${this.url}/operations/${id}?api-version=2016-03-30`,
        location: `${this.url}/operations/${id}?api-version=2016-03-30`,
      });
    }
    if (method === 'DELETE') {
      if (!c) return send(204, undefined);
      c.state = 'Deleting';
      const id = this.newOp(this.pollsUntilDone, 'Succeeded', () => this.clusters.delete(key));
      return send(202, undefined, { location: `${this.url}/deletions/${id}` });
    }
    return error(405, 'MethodNotAllowed', method);
  }

  private newOp(
    polls: number,
    result: 'Succeeded' | 'Failed',
    onDone: () => void,
    error?: { code: string; message: string },
  ): string {
    const id = `op-${++this.opSeq}`;
    this.ops.set(id, { polls, result, onDone, error });
    return id;
  }

  private resource(sub: string, c: Cluster): Record<string, unknown> {
    const props = (c.body.properties ?? {}) as Record<string, unknown>;
    return {
      id: `/subscriptions/${sub}/resourceGroups/${c.rg}/providers/Microsoft.ContainerService/managedClusters/${c.name}`,
      name: c.name,
      type: 'Microsoft.ContainerService/ManagedClusters',
      location: c.body.location,
      tags: c.body.tags,
      ...(c.createdBy ? { systemData: { createdBy: c.createdBy, createdByType: 'Application' } } : {}),
      properties: {
        ...props,
        provisioningState: c.state,
        kubernetesVersion: '1.33.0',
        fqdn: `${c.name}.hcp.fake.azmk8s.io`,
      },
    };
  }
}
