import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probes } from '../../src/probes/index.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf, pod } from '../support/probe-context.js';

const NS = 'shop-drill-x';
type Spec = Extract<ScenarioProbe, { kind: 'http' }>;

describe('probe kind http (memory gateway forwarding to a local server; kwok here has no PortForward rule)', () => {
  let gw: MemoryGateway;
  let server: Server;
  let seen: Array<{ method?: string; url?: string; auth?: string }>;
  let answer: { status: number; body: string };
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen = [];
    answer = { status: 200, body: '{"status":"UP","db":{"rows":12}}' };
    gw = new MemoryGateway();
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    gw.put(pod('web-0', NS, true, { app: 'web' }));
    gw.servePort(NS, 'web-0', 8080, (server.address() as AddressInfo).port);
  });

  it('GETs through the port-forward, checks status, body and JSON, and records the latency', async () => {
    const spec: Spec = {
      name: 'health',
      kind: 'http',
      target: { namespace: 'shop', selector: 'app=web', port: 8080 },
      path: '/healthz',
      headers: { Authorization: 'Bearer s3cr3t-token' },
      expect: { status: 200, body: 'UP', json: { path: 'db.rows', matches: '^[1-9]' } },
    };
    const r = await probes.http.run(planOf<'http'>(spec), ctxOf(gw), 2000);
    expect(r.outcome, r.observation ?? '').to.equal('passed');
    expect(r.observation).to.match(/pod web-0:8080 answered 200 in \d+ms/);
    expect(r.observation).not.to.contain('s3cr3t');
    expect(seen[0]).to.deep.equal({ method: 'GET', url: '/healthz', auth: 'Bearer s3cr3t-token' });
  });

  it('a Service resolves to a Ready pod and its targetPort', async () => {
    gw.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const r = await probes.http.run(
      planOf<'http'>({ name: 'svc', kind: 'http', target: { namespace: 'shop', service: 'web', port: 80 } }),
      ctxOf(gw),
      2000,
    );
    expect(r.outcome, r.observation ?? '').to.equal('passed');
  });

  it('a wrong status is retried, then fails with what came back', async () => {
    answer = { status: 503, body: 'warming up' };
    const r = await probes.http.run(
      planOf<'http'>({ name: 'h', kind: 'http', target: { namespace: 'shop', pod: 'web-0', port: 8080 } }),
      ctxOf(gw),
      1500,
    );
    expect(r.outcome).to.equal('failed');
    expect(r.observation).to.match(/status 503, want 200 .*body: warming up/);
    expect(seen.length).to.be.greaterThan(1);
  });
});
