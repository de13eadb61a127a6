import { readFileSync } from 'node:fs';
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import { resilientGateway, type ApiOutage } from '../../src/kube/resilient-gateway.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { waitFor } from '../../src/kube/wait.js';
import { kubeError } from '../../src/kube/errors.js';
import type { KubeGateway } from '../../src/kube/gateway.js';

const CM = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app' };

/** A fake clock the gateway's sleeps advance, so a two-minute budget takes no time. */
function fakeTime() {
  let t = 0;
  return {
    now: () => t,
    wallClock: () => new Date(Date.UTC(2026, 10, 29, 12, 0, 0) + t),
    sleep: async (ms: number) => {
      t += ms;
      // A macrotask, so the test's own steps interleave with the gateway's waiting.
      await new Promise((r) => setImmediate(r));
    },
    advance: (ms: number) => (t += ms),
  };
}

/** A gateway whose `create` fails with the given transport error a number of times, then works. */
function flakyCreate(inner: MemoryGateway, message: string, times: number): KubeGateway & { attempts: number } {
  const gw = Object.create(inner) as MemoryGateway & { attempts: number };
  gw.attempts = 0;
  gw.create = async (obj) => {
    gw.attempts++;
    if (gw.attempts <= times)
      throw kubeError(Object.assign(new Error(message), { code: message.split(' ')[0] }), {
        verb: 'create',
        resource: obj.kind ?? 'object',
        context: inner.context,
      });
    return inner.create(obj);
  };
  return gw;
}

describe('resilient gateway: an API server outage is ridden out and reported, never hidden', () => {
  it('a server that never answered fails at once (a wrong context must not wait for the budget)', async () => {
    const mem = new MemoryGateway();
    mem.goDown();
    const t = fakeTime();
    const gw = resilientGateway(mem, t);
    const e = await gw.list(CM).catch((x: unknown) => x);
    expect((e as { code: string }).code).to.equal('KUBE_UNREACHABLE');
    expect(t.now()).to.equal(0);
  });

  it('a request during an outage waits for the server, succeeds, and the outage is reported once with its length', async () => {
    const mem = new MemoryGateway();
    const t = fakeTime();
    const outages: ApiOutage[] = [];
    const started: string[] = [];
    const gw = resilientGateway(mem, { ...t, onOutage: (o) => outages.push(o), onOutageStart: (c) => started.push(c) });
    await gw.list(CM);
    mem.goDown();
    const pending = gw.get({ ...CM, name: 'x' });
    // The server is back after ~10 s of the gateway's own waiting.
    while (t.now() < 10_000) await new Promise((r) => setImmediate(r));
    mem.comeBack();
    expect(await pending).to.equal(null);
    expect(started).to.deep.equal(['memory']);
    expect(outages).to.have.length(1);
    expect(outages[0]!.durationSeconds).to.be.within(10, 11);
    expect(outages[0]!.retriedRequests).to.be.greaterThan(5);
    expect(outages[0]!.firstError).to.match(/ECONNREFUSED/);
  });

  it('after the budget the transport error stands (a dead cluster is still an ERROR)', async () => {
    const mem = new MemoryGateway();
    const t = fakeTime();
    const gw = resilientGateway(mem, { ...t, budgetMs: 5_000 });
    await gw.list(CM);
    mem.goDown();
    const e = await gw.list(CM).catch((x: unknown) => x);
    expect((e as { code: string }).code).to.equal('KUBE_UNREACHABLE');
    expect(t.now()).to.be.within(5_000, 6_000);
  });

  it('a create whose connection was refused is sent again; one reset mid-request is not (it may have been created)', async () => {
    const refused = flakyCreate(new MemoryGateway(), 'ECONNREFUSED connect 127.0.0.1:6443', 2);
    const t = fakeTime();
    const a = resilientGateway(refused, t);
    (refused as unknown as MemoryGateway).put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app' },
    } as never);
    await a.list(CM);
    const made = await a.create({ ...CM, metadata: { name: 'one', namespace: 'app' } } as never);
    expect(made.metadata.name).to.equal('one');
    expect(refused.attempts).to.equal(3);

    const reset = flakyCreate(new MemoryGateway(), 'ECONNRESET read', 1);
    const b = resilientGateway(reset, fakeTime());
    (reset as unknown as MemoryGateway).put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app' },
    } as never);
    await b.list(CM);
    const e = await b.create({ ...CM, metadata: { name: 'two', namespace: 'app' } } as never).catch((x: unknown) => x);
    expect((e as { code: string }).code).to.equal('KUBE_UNREACHABLE');
    expect(reset.attempts).to.equal(1);
  });

  it('a server shedding load (429 with Retry-After) is asked again only after the time it gave', async () => {
    const mem = new MemoryGateway();
    const t = fakeTime();
    const gw = Object.create(mem) as MemoryGateway;
    const asks: number[] = [];
    gw.list = async (q) => {
      asks.push(t.now());
      if (asks.length <= 2) {
        const busy = new ApiException(429, 'Too Many Requests', '{"reason":"TooManyRequests"}', { 'retry-after': '5' });
        throw kubeError(busy, { verb: 'list', resource: 'configmaps', context: 'memory' });
      }
      return mem.list(q);
    };
    const res = resilientGateway(gw, t);
    await res.get({ ...CM, name: 'x' });
    await res.list(CM);
    expect(asks).to.have.length(3);
    expect(asks[1]! - asks[0]!).to.equal(5_000);
    expect(asks[2]! - asks[1]!).to.equal(5_000);
  });

  it('a definite answer (403) is never repeated', async () => {
    const mem = new MemoryGateway();
    const gw = resilientGateway(mem, fakeTime());
    await gw.list(CM);
    mem.failOn('get', 'Secret', 403);
    const before = mem.requests.get;
    const e = await gw.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'app', name: 's' }).catch((x: unknown) => x);
    expect((e as { code: string }).code).to.equal('KUBE_FORBIDDEN');
    expect(mem.requests.get - before).to.equal(1);
  });

  it('a wait on a watch survives the outage: the stream breaks, the list is repeated once the server is back, the wait ends on the real object', async () => {
    const mem = new MemoryGateway();
    const outages: ApiOutage[] = [];
    const gw = resilientGateway(mem, { onOutage: (o) => outages.push(o) });
    const waiting = waitFor(
      gw,
      { ...CM, name: 'late' },
      (objs) => (objs.length ? { state: 'done', observation: 'found' } : { state: 'waiting', observation: 'absent' }),
      { timeoutMs: 20_000 },
    );
    await new Promise((r) => setTimeout(r, 50));
    mem.goDown();
    // Longer than the wait's first re-list delay, so the re-list meets the outage and waits it out.
    await new Promise((r) => setTimeout(r, 1500));
    mem.comeBack();
    mem.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'app' } } as never);
    const r = await waiting;
    expect(r.objects.map((o) => o.metadata.name)).to.deep.equal(['late']);
    expect(outages).to.have.length(1);
    expect(outages[0]!.retriedRequests).to.be.greaterThan(0);
  });

  it('forwards every method of the KubeGateway interface (a method added later is not silently dropped)', () => {
    const source = readFileSync(new URL('../../src/kube/gateway.ts', import.meta.url), 'utf8');
    const body = source.slice(source.indexOf('export interface KubeGateway'));
    const methods = [...body.slice(0, body.indexOf('\n}')).matchAll(/^  (\w+)\??\(/gm)].map((m) => m[1]!);
    expect(methods).to.include.members(['get', 'list', 'watch', 'exec', 'whoAmI']);
    const inner = Object.fromEntries(methods.map((m) => [m, () => Promise.resolve(null)]));
    const gw = resilientGateway({ ...inner, context: 'c', server: 's' } as unknown as KubeGateway) as unknown as Record<
      string,
      unknown
    >;
    expect(methods.filter((m) => typeof gw[m] !== 'function')).to.deep.equal([]);
  });
});
