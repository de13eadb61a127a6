import { expect } from 'chai';
import type { KubeObject } from '../../src/kube/types.js';
import { SharedWatches } from '../../src/kube/shared-watches.js';
import { WaitAborted, WaitTimeout, waitForIn, type Verdict } from '../../src/kube/wait.js';
import { probes } from '../../src/probes/index.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf, pod } from '../support/probe-context.js';

/** Lets pending setImmediate deliveries and the waits' own promise chains run. */
const settle = () => new Promise((r) => setTimeout(r, 5));

const namespaces = (n: number) => Array.from({ length: n }, (_, i) => `team-${i}`);
const pods = { apiVersion: 'v1', kind: 'Pod', labelSelector: 'app=db' };

/** Done when `want` pods are Ready; the value is what the wait was shown. */
const allReady =
  (want: number) =>
  (objs: KubeObject[]): Verdict<string[]> => {
    const ready = objs.filter((o) => o.status?.conditions?.[0]?.status === 'True').length;
    const seen = objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    return ready >= want
      ? { state: 'done', observation: `${ready} ready`, value: seen }
      : { state: 'waiting', observation: `${ready}/${want} ready` };
  };

const deployment = (namespace: string, available: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace, generation: 1 },
  spec: { replicas: 1, selector: { matchLabels: { app: 'api' } } },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});

describe('shared watches: one list + watch per kind for all the probes of a drill', () => {
  let gw: MemoryGateway;
  beforeEach(() => {
    gw = new MemoryGateway();
  });

  it('50 waits over 50 namespaces cost one list and one watch, and each sees only its own namespace', async () => {
    const nss = namespaces(50);
    for (const ns of nss) for (const name of ['a', 'b']) gw.put(pod(name, ns, false));
    // The same label outside the drill's namespaces (a same-cluster drill's source): never shown to a verdict.
    gw.put(pod('source', 'team', true));
    const watches = new SharedWatches(gw, nss);
    const waits = nss.map((namespace) => watches.waitFor({ ...pods, namespace }, allReady(2), { timeoutMs: 5000 }));
    await settle();
    expect(gw.requests.list).to.equal(1);
    expect(gw.requests.watch).to.equal(1);
    expect(gw.openWatches).to.equal(1);
    for (const ns of nss) for (const name of ['a', 'b']) gw.put(pod(name, ns, true));
    const results = await Promise.all(waits);
    results.forEach((r, i) => expect(r.verdict.value).to.deep.equal([`${nss[i]}/a`, `${nss[i]}/b`]));
    // The last wait to finish closed the watch; nothing polls.
    expect(gw.openWatches).to.equal(0);
    expect(gw.requests.list).to.equal(1);
    expect(gw.requests.watch).to.equal(1);
    expect(gw.requests.get).to.equal(0);
  });

  it('several namespaces: one cluster-wide watch; one namespace: a namespaced one', async () => {
    const two = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'x'));
    gw.put(pod('a', 'y'));
    await Promise.all(
      ['x', 'y'].map((namespace) => two.waitFor({ ...pods, namespace }, allReady(1), { timeoutMs: 2000 })),
    );
    expect(gw.calls.filter((c) => c.verb === 'list')).to.deep.equal([
      { verb: 'list', kind: 'Pod', namespace: undefined },
    ]);

    const one = new SharedWatches(gw, ['x']);
    await one.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    expect(gw.calls.filter((c) => c.verb === 'list').at(-1)).to.deep.equal({
      verb: 'list',
      kind: 'Pod',
      namespace: 'x',
    });
  });

  it('a selector is part of what is shared: another selector is another watch, the same one is not', async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    const w1 = watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    const w2 = watches.waitFor({ ...pods, namespace: 'y' }, allReady(1), { timeoutMs: 2000 });
    const w3 = watches.waitFor({ ...pods, labelSelector: 'app=web', namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    await settle();
    expect(gw.openWatches).to.equal(2);
    gw.put(pod('a', 'x'));
    gw.put(pod('a', 'y'));
    gw.put(pod('w', 'x', true, { app: 'web' }));
    expect((await w3).verdict.value).to.deep.equal(['x/w']);
    expect((await w1).verdict.value).to.deep.equal(['x/a']);
    expect((await w2).verdict.value).to.deep.equal(['y/a']);
  });

  it("one wait's timeout or interrupt leaves the others waiting on the same watch", async () => {
    const watches = new SharedWatches(gw, ['x', 'y', 'z']);
    const abort = new AbortController();
    const short = watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 30 });
    const aborted = watches.waitFor({ ...pods, namespace: 'z' }, allReady(1), {
      timeoutMs: 5000,
      signal: abort.signal,
    });
    const long = watches.waitFor({ ...pods, namespace: 'y' }, allReady(1), { timeoutMs: 5000 });
    expect(await short.catch((e: unknown) => e)).to.be.instanceOf(WaitTimeout);
    abort.abort();
    expect(await aborted.catch((e: unknown) => e)).to.be.instanceOf(WaitAborted);
    expect(gw.openWatches).to.equal(1);
    gw.put(pod('a', 'y'));
    expect((await long).verdict.value).to.deep.equal(['y/a']);
    expect(gw.openWatches).to.equal(0);
  });

  it('a wait after all others finished opens the watch again (nothing lingers in between)', async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'x'));
    await watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    expect(gw.openWatches).to.equal(0);
    const later = watches.waitFor({ ...pods, namespace: 'y' }, allReady(1), { timeoutMs: 2000 });
    await settle();
    gw.put(pod('a', 'y'));
    expect((await later).verdict.value).to.deep.equal(['y/a']);
    expect(gw.requests.list).to.equal(2);
  });

  it('a wait that joins an open watch is judged on what it already holds', async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'y'));
    const first = watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    await settle();
    const second = await watches.waitFor({ ...pods, namespace: 'y' }, allReady(1), { timeoutMs: 2000 });
    expect(second.verdict.value).to.deep.equal(['y/a']);
    expect(gw.requests.list).to.equal(1);
    gw.put(pod('a', 'x'));
    await first;
  });

  it('410 Gone relists once for every wait on the watch, deletions are seen', async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'x', false));
    gw.put(pod('gone', 'y', false));
    const present = watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    const absent = watches.waitFor(
      { ...pods, namespace: 'y' },
      (objs) => (objs.length ? { state: 'waiting', observation: 'present' } : { state: 'done', observation: 'gone' }),
      { timeoutMs: 2000 },
    );
    await settle();
    gw.failNextWatch(410);
    gw.closeWatches();
    await settle();
    gw.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'y', name: 'gone' });
    gw.put(pod('a', 'x', true));
    expect((await absent).verdict.observation).to.equal('gone');
    await present;
    expect(gw.requests.list).to.equal(2);
  });

  it('a cluster-wide list refused (role bound per namespace): each wait watches its own namespace instead', async () => {
    gw.failOn('list', 'Pod', 403, Infinity, true);
    const watches = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'x'));
    gw.put(pod('a', 'y'));
    const [x, y] = await Promise.all(
      ['x', 'y'].map((namespace) => watches.waitFor({ ...pods, namespace }, allReady(1), { timeoutMs: 2000 })),
    );
    expect([x!.verdict.value, y!.verdict.value]).to.deep.equal([['x/a'], ['y/a']]);
    // Asked across namespaces once, then per namespace; later waits go straight to their namespace.
    await watches.waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 });
    expect(gw.calls.filter((c) => c.verb === 'list').map((c) => c.namespace ?? '*')).to.deep.equal([
      '*',
      'x',
      'y',
      'x',
    ]);
  });

  it('a permission refused in the namespace too stays an error (not a wait)', async () => {
    gw.failOn('list', 'Pod', 403);
    const watches = new SharedWatches(gw, ['x', 'y']);
    const e = await watches
      .waitFor({ ...pods, namespace: 'x' }, allReady(1), { timeoutMs: 2000 })
      .catch((x: unknown) => x);
    expect((e as { code?: string }).code).to.equal('KUBE_FORBIDDEN');
  });

  it('a Secret wait is never widened to a cluster-wide watch: waits naming a namespace list that namespace', async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    const secret = (namespace: string, name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      data: { password: 'c2VjcmV0' },
    });
    gw.put(secret('x', 'db'));
    gw.put(secret('y', 'db'));
    gw.put(secret('kube-system', 'admin-token'));
    const present = (objs: KubeObject[]): Verdict<string[]> =>
      objs.length > 0
        ? {
            state: 'done',
            observation: 'present',
            value: objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
          }
        : { state: 'waiting', observation: 'absent' };
    const secrets = { apiVersion: 'v1', kind: 'Secret' };
    const [x, y] = await Promise.all(
      ['x', 'y'].map((namespace) => watches.waitFor({ ...secrets, namespace }, present, { timeoutMs: 2000 })),
    );
    expect([x!.verdict.value, y!.verdict.value]).to.deep.equal([['x/db'], ['y/db']]);
    expect(gw.calls.filter((c) => c.kind === 'Secret').map((c) => c.namespace ?? '*')).to.deep.equal(['x', 'y']);

    // With one namespace the shared watch is namespaced anyway, so it is shared.
    const one = new SharedWatches(gw, ['x']);
    await one.waitFor({ ...secrets, namespace: 'x' }, present, { timeoutMs: 2000 });
    expect(gw.calls.filter((c) => c.kind === 'Secret').map((c) => c.namespace ?? '*')).to.deep.equal(['x', 'y', 'x']);
  });

  it('a resource probe on Secrets over several restored namespaces lists each of them, never the whole cluster', async () => {
    // Before: one cluster-wide list, which brought every Secret value of the cluster (kube-system's tokens too)
    // into the runner to be dropped in the verdict, and needed a cluster-wide Secret grant.
    const nss = ['x', 'y'];
    const secret = (namespace: string, name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { app: 'db' } },
      data: { password: 'c2VjcmV0' },
    });
    for (const ns of [...nss, 'kube-system']) gw.put(secret(ns, 'db'));
    const watches = new SharedWatches(gw, nss);
    const r = await probes.resource.run(
      planOf({
        name: 'db-secrets',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'Secret', selector: 'app=db' },
        minCount: 2,
      }),
      ctxOf(gw, { restoredNamespaces: nss, watches }),
      2000,
    );
    expect(r.outcome, r.observation ?? '').to.equal('passed');
    const calls = gw.calls.filter((c) => c.kind === 'Secret');
    expect(calls.filter((c) => c.verb === 'list').map((c) => c.namespace ?? '*')).to.have.members(['x', 'y']);
    expect(calls.map((c) => c.namespace ?? '*')).not.to.include('*');
  });

  it('a wait over several namespaces is judged only once every one of them has been listed', async () => {
    // y's list is slow: judged on x alone, "every pod ready" would pass without seeing y's pod that is not.
    gw.put(pod('a', 'x'));
    gw.put(pod('a', 'y', false));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slowInY = new Proxy(gw, {
      get(target, prop) {
        if (prop === 'list')
          return async (q: { namespace?: string }, ...rest: unknown[]) => {
            if (q.namespace === 'y') await gate;
            return (target.list as (...a: unknown[]) => unknown)(q, ...rest);
          };
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const judged: string[][] = [];
    const everyReady = (objs: KubeObject[]): Verdict<string[]> => {
      judged.push(objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      return objs.every((o) => o.status?.conditions?.[0]?.status === 'True')
        ? { state: 'done', observation: 'all ready', value: [] }
        : { state: 'failed', observation: 'a pod is not ready' };
    };
    const wait = waitForIn(slowInY, pods, new Set(['x', 'y']), everyReady, { timeoutMs: 5000 }).catch((e) => e);
    await settle();
    expect(judged).to.deep.equal([]);
    open();
    expect(((await wait) as Error).message).to.equal('a pod is not ready');
    expect(judged).to.deep.equal([['x/a', 'y/a']]);
  });

  it("a wait outside the drill's namespaces watches on its own, never through the shared cache", async () => {
    const watches = new SharedWatches(gw, ['x', 'y']);
    gw.put(pod('a', 'elsewhere'));
    const r = await watches.waitFor({ ...pods, namespace: 'elsewhere' }, allReady(1), { timeoutMs: 2000 });
    expect(r.verdict.value).to.deep.equal(['elsewhere/a']);
    expect(gw.calls.filter((c) => c.verb === 'list')).to.deep.equal([
      { verb: 'list', kind: 'Pod', namespace: 'elsewhere' },
    ]);
  });

  it('the real probes share it: 20 workload probes and 20 resource probes in 20 namespaces, 2 lists + 2 watches', async () => {
    const nss = namespaces(20).map((n) => `${n}-drill-x`);
    for (const ns of nss) {
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      gw.put(deployment(ns, 0));
      gw.put(pod('db-0', ns, false));
    }
    const watches = new SharedWatches(gw, nss);
    // One context per probe, as verify gives each its own observations; the watches are the drill's.
    const ctx = () => ctxOf(gw, { restoredNamespaces: nss, watches });
    const runs = namespaces(20).flatMap((source) => [
      probes.workload.run(
        planOf({
          name: `api-${source}`,
          kind: 'workload',
          ref: { kind: 'Deployment', namespace: source, name: 'api' },
        }),
        ctx(),
        5000,
      ),
      probes.resource.run(
        planOf({
          name: `db-${source}`,
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'Pod', namespace: source, selector: 'app=db' },
          match: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        }),
        ctx(),
        5000,
      ),
    ]);
    await settle();
    for (const ns of nss) {
      gw.put(deployment(ns, 1));
      gw.put(pod('db-0', ns, true));
    }
    const results = await Promise.all(runs);
    expect(results.map((r) => r.outcome)).to.deep.equal(results.map(() => 'passed'));
    expect(results[0]!.subject).to.equal(`Deployment ${nss[0]}/api`);
    expect(results[1]!.observation).to.equal('1 Pod object(s) match');
    expect(gw.requests.list).to.equal(2);
    expect(gw.requests.watch).to.equal(2);
    expect(gw.openWatches).to.equal(0);
  });

  it('a named probe sees only its object, not its neighbours of the same kind', async () => {
    const nss = ['shop-drill-x', 'web-drill-x'];
    gw.put(deployment('shop-drill-x', 0));
    gw.put({ ...deployment('shop-drill-x', 1), metadata: { name: 'other', namespace: 'shop-drill-x', generation: 1 } });
    const ctx = ctxOf(gw, { restoredNamespaces: nss, watches: new SharedWatches(gw, nss) });
    const r = await probes.workload.run(
      planOf({ name: 'api', kind: 'workload', ref: { kind: 'Deployment', namespace: 'shop', name: 'api' } }),
      ctx,
      100,
    );
    expect(r.outcome).to.equal('failed');
    expect(r.observation).to.match(/0 of 1 updated replicas are available|available/);
  });

  it('the cache keeps no metadata.managedFields, listed or watched, and a verdict sees every other field', async () => {
    const bookkeeping = { managedFields: [{ manager: 'kubelet', fieldsV1: { 'f:status': { 'f:conditions': {} } } }] };
    const withFields = (name: string, ready: boolean): KubeObject => {
      const p = pod(name, 'team-0', ready);
      return { ...p, metadata: { ...p.metadata, ...bookkeeping } };
    };
    gw.put(withFields('a', true));
    gw.put(withFields('b', false));
    const shown: KubeObject[][] = [];
    const watches = new SharedWatches(gw, ['team-0', 'team-1']);
    const wait = watches.waitFor(
      { ...pods, namespace: 'team-0' },
      (objs) => {
        shown.push(objs);
        return allReady(2)(objs);
      },
      { timeoutMs: 2000 },
    );
    await settle();
    gw.put(withFields('b', true));
    await wait;
    expect(shown.length).to.be.greaterThan(1);
    for (const objs of shown)
      for (const o of objs) {
        expect(o.metadata).to.not.have.property('managedFields');
        const sent = pod(o.metadata.name, 'team-0', o.status.conditions[0].status === 'True');
        expect(o.metadata).to.deep.include(sent.metadata);
        expect({ ...o, metadata: null }).to.deep.equal({ ...sent, metadata: null });
      }
  });
});
