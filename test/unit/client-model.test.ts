import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { ClientGateway } from '../../src/kube/client-gateway.js';
import { gatewayAt, listenLocal } from '../support/fake-api-server.js';
import { isolationNetworkPolicy } from '../../src/kube/isolation-policy.js';
import type { KubeObject } from '../../src/kube/types.js';

/** An API server that knows the kinds below (discovery) and records the body of every write it is sent. */
async function recordingServer(): Promise<{ server: Server; url: string; bodies: Array<Record<string, unknown>> }> {
  const bodies: Array<Record<string, unknown>> = [];
  const discovery: Record<string, Array<{ name: string; kind: string; namespaced: boolean }>> = {
    '/apis/networking.k8s.io/v1': [{ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
    '/apis/coordination.k8s.io/v1': [{ name: 'leases', kind: 'Lease', namespaced: true }],
    '/apis/velero.io/v1': [{ name: 'restores', kind: 'Restore', namespaced: true }],
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method === 'GET' && discovery[path]) {
        res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: path.slice(6), resources: discovery[path] }));
        return;
      }
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      bodies.push(body);
      res.end(JSON.stringify(body));
    });
  });
  return { server, url: await listenLocal(server), bodies };
}

describe('kube gateway: what a create or patch sends is the object as written', () => {
  let api: Awaited<ReturnType<typeof recordingServer>>;
  let gw: ClientGateway;

  before(async () => {
    api = await recordingServer();
    gw = gatewayAt(api.url);
  });

  after(() => api.server.close());

  it('the isolation NetworkPolicy reaches the API server with its peers: ingress only from the drill’s namespaces, not from everywhere', async () => {
    const np = isolationNetworkPolicy('shop-drill', { key: 'dr-drill.io/drill-id', value: 'abcd1234' }, { a: 'b' });
    await gw.create(np);
    const sent = api.bodies.at(-1)!;
    expect(sent.spec).to.deep.equal(np.spec);
    expect((sent.spec as { ingress: unknown[] }).ingress).to.deep.equal([
      { from: [{ namespaceSelector: { matchLabels: { 'dr-drill.io/drill-id': 'abcd1234' } } }] },
    ]);
  });

  it('a Lease keeps its microsecond times, a patch its nulls, and a kind without a model (Velero’s) is sent unchanged', async () => {
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'dr-drill-shop', namespace: 'velero' },
      spec: { holderIdentity: 'me', renewTime: '2026-11-30T10:00:00.123456Z', leaseDurationSeconds: 60 },
    };
    await gw.create(lease);
    expect(api.bodies.at(-1)!.spec).to.deep.equal(lease.spec);
    await gw.mergePatch(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'velero', name: 'dr-drill-shop' },
      { spec: { holderIdentity: null, renewTime: null } },
    );
    expect(api.bodies.at(-1)!.spec).to.deep.equal({ holderIdentity: null, renewTime: null });
    const restore: KubeObject = {
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name: 'r', namespace: 'velero' },
      spec: { backupName: 'b', namespaceMapping: { shop: 'shop-drill' }, from: 'anything' },
    };
    await gw.create(restore);
    expect(api.bodies.at(-1)!.spec).to.deep.equal(restore.spec);
  });
});
