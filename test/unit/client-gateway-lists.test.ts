import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { ClientGateway } from '../../src/kube/client-gateway.js';
import { gatewayAt, listenLocal } from '../support/fake-api-server.js';
import type { KubeObject } from '../../src/kube/types.js';

/** A pod as the API server sends it: with the managedFields entry of each writer. */
const served = (name: string, ready: boolean) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'shop',
    resourceVersion: '7',
    creationTimestamp: '2026-11-30T12:00:00Z',
    labels: { app: 'db' },
    annotations: { note: 'kept' },
    managedFields: [
      {
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': {} } },
      },
    ],
  },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'db:1' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

/**
 * An API server for Pods: a list in two pages (continue token), and a watch that sends one MODIFIED event and
 * closes.
 */
async function podServer(): Promise<{ server: Server; url: string; queries: string[] }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    queries.push(url.search);
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1') {
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [{ name: 'pods', kind: 'Pod', namespaced: true, singularName: 'pod', verbs: ['list'] }],
        }),
      );
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: served('b', true) })}\n`);
      res.end();
      return;
    }
    const second = url.searchParams.get('continue') === 'page-2';
    res.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '9', ...(second ? {} : { continue: 'page-2' }) },
        items: second ? [served('b', false)] : [served('a', true)],
      }),
    );
  });
  return { server, url: await listenLocal(server), queries };
}

describe('kube gateway: lists and watches keep what a verdict can read, not the writers’ bookkeeping', () => {
  let api: Awaited<ReturnType<typeof podServer>>;
  let gw: ClientGateway;

  before(async () => {
    api = await podServer();
    gw = gatewayAt(api.url);
  });

  after(() => api.server.close());

  it('a paged list hands over every object of every page as the server sent it, without metadata.managedFields', async () => {
    const { items, resourceVersion } = await gw.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' });
    expect(resourceVersion).to.equal('9');
    const without = (o: ReturnType<typeof served>) => {
      const { managedFields: _gone, ...metadata } = o.metadata;
      void _gone;
      return { ...o, metadata };
    };
    // Plain JSON, as a watch event hands it over: timestamps stay strings (as KubeObject declares), no model classes.
    expect(items).to.deep.equal([without(served('a', true)), without(served('b', false))]);
    expect(items[0]!.metadata.creationTimestamp).to.equal('2026-11-30T12:00:00Z');
    expect(Object.getPrototypeOf(items[0]!.spec)).to.equal(Object.prototype);
    expect(api.queries.filter((q) => q.includes('limit=500'))).to.have.length(2);
  });

  it('a watch event’s object comes without metadata.managedFields, and otherwise as the server sent it', async () => {
    const events: KubeObject[] = [];
    await new Promise<void>((resolve, reject) => {
      gw.watch(
        { apiVersion: 'v1', kind: 'Pod', namespace: 'shop' },
        '9',
        (_type, obj) => events.push(obj),
        (err) => (err ? reject(new Error(err.message)) : resolve()),
      ).catch(reject);
    });
    const { managedFields: _gone, ...metadata } = served('b', true).metadata;
    void _gone;
    expect(events).to.deep.equal([{ ...served('b', true), metadata }]);
  });
});
