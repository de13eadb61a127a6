/**
 * The node stand-in's list+watch cache (src/local/informer.ts) against an HTTP server that answers like an API
 * server, with client-node's real Watch: a watch that stays open and says nothing, a watch request that never
 * gets its response, a 410 Gone, a failing list, and a handler that throws. Before it, the stand-in used
 * client-node's informer, which stays blind for good after a silent watch (40 minutes in a helper's
 * environment); the first two cases hang on that informer.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { Informer } from '../../src/local/informer.js';

interface Obj extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
}

/** An API server of one collection: `GET /api/v1/pods` lists, `?watch=true` watches as `watchMode` says. */
class FakeApi {
  objects = new Map<string, Obj>();
  rv = 1;
  watchMode: 'silent' | 'no-headers' | 'gone' | 'stream' = 'stream';
  listFails = 0;
  lists = 0;
  watches: Array<{ query: URLSearchParams; res: ServerResponse }> = [];
  server: Server;

  constructor() {
    this.server = createServer((req, res) => this.serve(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  put(name: string): Obj {
    const obj: Obj = { metadata: { name, namespace: 'shop', resourceVersion: String(++this.rv) } };
    this.objects.set(name, obj);
    for (const w of this.watches) if (this.watchMode === 'stream') this.send(w.res, 'ADDED', obj);
    return obj;
  }

  private send(res: ServerResponse, type: string, object: unknown): void {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/pods') return void res.writeHead(404).end();
    if (url.searchParams.get('watch') !== 'true') {
      this.lists++;
      if (this.listFails > 0) {
        this.listFails--;
        return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"kind":"Status","code":500}');
      }
      const body = {
        kind: 'PodList',
        metadata: { resourceVersion: String(this.rv) },
        items: [...this.objects.values()],
      };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    this.watches.push({ query: url.searchParams, res });
    if (this.watchMode === 'no-headers') return; // the request is accepted and never answered
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (this.watchMode === 'gone') {
      this.send(res, 'ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
      res.end();
    }
    // 'silent': headers sent, then nothing, and the stream never ends; 'stream': events as they come
  }
}

function informerFor(api: FakeApi, url: string, logs: string[] = []): Informer<Obj> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const list = async () => {
    const r = await fetch(`${url}/api/v1/pods`);
    if (!r.ok) throw new Error(`list: HTTP ${r.status}`);
    return (await r.json()) as { items: Obj[]; metadata: { resourceVersion: string } };
  };
  return new Informer<Obj>({
    path: '/api/v1/pods',
    list,
    watcher: new Watch(kc),
    timeoutSeconds: 1,
    graceMs: 300,
    retryMs: 100,
    resyncMs: 0,
    log: (l) => logs.push(l),
  });
}

/** Resolves with the name of the next object the informer adds that matches. */
function nextAdd(inf: Informer<Obj>, name: string): Promise<string> {
  return new Promise((resolve) => inf.on('add', (o) => o.metadata.name === name && resolve(o.metadata.name)));
}

describe('local stand-in informer: a watch that goes silent is recovered', () => {
  let api: FakeApi;
  let inf: Informer<Obj> | null = null;
  let url: string;

  beforeEach(async () => {
    api = new FakeApi();
    url = await api.listen();
  });
  afterEach(async () => {
    inf?.stop();
    inf = null;
    await api.close();
  });

  it('lists first, then sees new objects through the watch, asking the server to end each watch', async () => {
    api.put('db-0');
    inf = informerFor(api, url);
    const seen: string[] = [];
    inf.on('add', (o) => seen.push(o.metadata.name));
    await inf.start();
    expect(seen).to.deep.equal(['db-0']);
    const web = nextAdd(inf, 'web-1');
    while (api.watches.length === 0) await new Promise((r) => setTimeout(r, 10));
    api.put('web-1');
    expect(await web).to.equal('web-1');
    expect(api.watches[0]!.query.get('timeoutSeconds')).to.equal('1');
    expect(api.watches[0]!.query.get('resourceVersion')).to.equal('2');
  });

  it('sees an object created while its watch stays open and says nothing (the server never ends it)', async () => {
    api.watchMode = 'silent';
    const logs: string[] = [];
    inf = informerFor(api, url, logs);
    await inf.start();
    const seen = nextAdd(inf, 'restored-0');
    api.put('restored-0');
    expect(await seen).to.equal('restored-0');
    expect(logs.join('\n')).to.match(/watch still open .* past its 1s timeout/);
  });

  it('sees it too when the watch request is never answered at all', async () => {
    api.watchMode = 'no-headers';
    inf = informerFor(api, url);
    await inf.start();
    const seen = nextAdd(inf, 'restored-1');
    api.put('restored-1');
    expect(await seen).to.equal('restored-1');
  });

  it('lists again after 410 Gone, and reports an object deleted meanwhile', async () => {
    api.put('old-0');
    api.watchMode = 'gone';
    inf = informerFor(api, url);
    await inf.start();
    const deleted = new Promise<string>((r) => inf!.on('delete', (o) => r(o.metadata.name)));
    api.objects.delete('old-0');
    expect(await deleted).to.equal('old-0');
  });

  it('keeps listing after a failed list, and a handler that throws does not stop the others', async () => {
    inf = informerFor(api, url);
    await inf.start();
    inf.on('add', () => {
      throw new Error('handler bug');
    });
    api.listFails = 2;
    api.watchMode = 'gone';
    const seen = nextAdd(inf, 'after-failures');
    api.put('after-failures');
    expect(await seen).to.equal('after-failures');
    expect(api.lists).to.be.greaterThan(2);
  });
});
