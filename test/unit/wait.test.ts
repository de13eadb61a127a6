import { expect } from 'chai';
import type { KubeObject } from '../../src/kube/types.js';
import { waitFor, WaitAborted, WaitFailed, WaitTimeout, type Verdict } from '../../src/kube/wait.js';
import { isDrillError } from '../../src/util/errors.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const cm = (
  name: string,
  data: Record<string, string> = {},
  labels: Record<string, string> = { app: 'shop' },
): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', labels }, data });
const query = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', labelSelector: 'app=shop' };

/** Done when at least `n` objects carry data.ready=yes. */
const readyCount =
  (n: number) =>
  (objs: KubeObject[]): Verdict<number> => {
    const ready = objs.filter((o) => (o.data as Record<string, string>).ready === 'yes').length;
    return ready >= n
      ? { state: 'done', observation: `${ready} ready`, value: ready }
      : { state: 'waiting', observation: `${ready}/${n} ready (of ${objs.length})` };
  };

/** Lets pending setImmediate deliveries and the wait's own promise chains run. */
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('waitFor (list + watch)', () => {
  let gw: MemoryGateway;
  beforeEach(() => {
    gw = new MemoryGateway();
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  });

  it('resolves at once when the list already satisfies it', async () => {
    gw.put(cm('a', { ready: 'yes' }));
    const { verdict } = await waitFor(gw, query, readyCount(1), { timeoutMs: 1000 });
    expect(verdict.value).to.equal(1);
    expect(gw.openWatches).to.equal(0);
  });

  it('resolves on a watch event, and stops its watch', async () => {
    gw.put(cm('a'));
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 2000 });
    await settle();
    gw.put(cm('a', { ready: 'yes' }));
    const { verdict, objects } = await p;
    expect(verdict.observation).to.equal('1 ready');
    expect(objects.map((o) => o.metadata.name)).to.deep.equal(['a']);
    expect(gw.openWatches).to.equal(0);
  });

  it('sees deletions', async () => {
    gw.put(cm('a'));
    const p = waitFor(
      gw,
      query,
      (objs) => (objs.length ? { state: 'waiting', observation: 'present' } : { state: 'done', observation: 'gone' }),
      { timeoutMs: 2000 },
    );
    await settle();
    gw.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' });
    expect((await p).verdict.observation).to.equal('gone');
  });

  it('ignores objects outside the selector', async () => {
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 150 });
    await settle();
    gw.put(cm('other', { ready: 'yes' }, { app: 'billing' }));
    const e = await p.catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitTimeout);
  });

  it('relists when the watch answers 410 Gone', async () => {
    gw.failNextWatch(410);
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 2000 });
    await settle();
    gw.put(cm('a', { ready: 'yes' }));
    expect((await p).verdict.value).to.equal(1);
    expect(gw.requests.list).to.equal(2);
  });

  it('relists when its resourceVersion was compacted away', async () => {
    gw.put(cm('a'));
    gw.failNextWatch(410);
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 2000 });
    await settle();
    gw.compact();
    gw.closeWatches();
    gw.put(cm('a', { ready: 'yes' }));
    expect((await p).verdict.value).to.equal(1);
    expect(gw.requests.list).to.be.at.least(2);
  });

  it('re-watches from where it was when the server closes the stream, losing nothing', async () => {
    const p = waitFor(gw, query, readyCount(2), { timeoutMs: 2000 });
    await settle();
    gw.put(cm('a', { ready: 'yes' }));
    gw.closeWatches();
    gw.put(cm('b', { ready: 'yes' })); // happens while no watch is open
    expect((await p).verdict.value).to.equal(2);
    expect(gw.requests.list).to.equal(1);
    expect(gw.requests.watch).to.equal(2);
  });

  it('times out with the last observation', async () => {
    gw.put(cm('a'));
    gw.put(cm('b', { ready: 'yes' }));
    const e = await waitFor(gw, query, readyCount(3), { timeoutMs: 100 }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitTimeout);
    expect((e as WaitTimeout).observation).to.equal('1/3 ready (of 2)');
    expect(gw.openWatches).to.equal(0);
  });

  it('rejects with WaitFailed on a failed verdict', async () => {
    gw.put(cm('a', { broken: 'yes' }));
    const e = await waitFor(gw, query, () => ({ state: 'failed', observation: 'a is broken' }), {
      timeoutMs: 1000,
    }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitFailed);
    expect((e as WaitFailed).observation).to.equal('a is broken');
  });

  it('aborts on the signal with what it last saw, and stops its watch', async () => {
    gw.put(cm('a'));
    const ac = new AbortController();
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 5000, signal: ac.signal });
    await settle();
    ac.abort();
    const e = await p.catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitAborted);
    expect((e as WaitAborted).observation).to.equal('0/1 ready (of 1)');
    expect(gw.openWatches).to.equal(0);
  });

  it('an already-aborted signal rejects before any request', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await waitFor(gw, query, readyCount(1), { timeoutMs: 5000, signal: ac.signal }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitAborted);
    expect(gw.requests.total).to.equal(0);
  });

  it('an abort while the watch is being opened leaves no watch behind', async () => {
    const ac = new AbortController();
    const open = gw.watch.bind(gw);
    gw.watch = (...args) => {
      ac.abort(); // the user presses Ctrl-C while the watch request is in flight
      return open(...args);
    };
    const e = await waitFor(gw, query, readyCount(1), { timeoutMs: 5000, signal: ac.signal }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(WaitAborted);
    await settle();
    expect(gw.openWatches).to.equal(0);
  });

  it('a 403 rejects at once with the DrillError, not after the timeout', async () => {
    gw.failOn('list', 'ConfigMap', 403);
    const e = await waitFor(gw, query, readyCount(1), { timeoutMs: 60_000 }).catch((x: unknown) => x);
    expect(isDrillError(e) && e.code).to.equal('KUBE_FORBIDDEN');
    expect((e as Error).message).to.match(/permission denied to list ConfigMap in namespace shop/);
  });

  it('a 403 on a later relist rejects too', async () => {
    const p = waitFor(gw, query, readyCount(1), { timeoutMs: 60_000 });
    await settle();
    gw.failOn('list', 'ConfigMap', 403);
    gw.put(cm('unrelated', {}, { app: 'billing' }));
    gw.compact();
    gw.closeWatches(); // re-watch from a compacted resourceVersion → 410 → relist → 403
    const e = await p.catch((x: unknown) => x);
    expect(isDrillError(e) && e.code).to.equal('KUBE_FORBIDDEN');
  });

  it('reports each new observation once', async () => {
    const seen: string[] = [];
    const p = waitFor(gw, query, readyCount(2), { timeoutMs: 2000, onObservation: (o) => seen.push(o) });
    await settle();
    gw.put(cm('a', { ready: 'yes' }));
    await settle();
    gw.put(cm('a', { ready: 'yes', touched: '1' }));
    gw.put(cm('b', { ready: 'yes' }));
    await p;
    expect(seen).to.deep.equal(['0/2 ready (of 0)', '1/2 ready (of 1)', '2 ready']);
  });

  it('a thousand objects cost a handful of requests, not a thousand', async () => {
    for (let i = 0; i < 1000; i++) gw.put(cm(`c${i}`));
    const p = waitFor(gw, query, readyCount(1000), { timeoutMs: 5000 });
    await settle();
    for (let i = 0; i < 1000; i++) gw.put(cm(`c${i}`, { ready: 'yes' }));
    expect((await p).verdict.value).to.equal(1000);
    expect(gw.requests.total).to.be.at.most(3);
  });
});
