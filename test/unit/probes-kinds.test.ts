import { expect } from 'chai';
import type { KubeObject } from '../../src/kube/types.js';
import { probes } from '../../src/probes/index.js';
import type { ProbeContext } from '../../src/probes/probe.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { planOf } from '../support/probe-context.js';

const NS = 'shop-drill-x';
const ctxOf = (gw: MemoryGateway, signal = new AbortController().signal): ProbeContext => ({
  gateway: gw,
  mapNamespace: (ns) => `${ns}-drill-x`,
  signal,
  onObservation: () => undefined,
});
const deployment = (status: Record<string, unknown>, generation = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: NS, generation },
  spec: { replicas: 2, selector: { matchLabels: { app: 'api' } } },
  status,
});
const ready = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };

describe('probe kinds', () => {
  let gw: MemoryGateway;
  beforeEach(() => {
    gw = new MemoryGateway();
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  describe('workload', () => {
    const spec = {
      name: 'api',
      kind: 'workload' as const,
      ref: { kind: 'Deployment' as const, namespace: 'shop', name: 'api' },
    };

    it('names its subject in target terms', () =>
      expect(probes.workload.subject(planOf(spec), ctxOf(gw))).to.equal(`Deployment ${NS}/api`));

    it('passes once the restored Deployment rolls out', async () => {
      gw.put(deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 0 }));
      const p = probes.workload.run(planOf(spec), ctxOf(gw), 2000);
      setTimeout(() => gw.put(deployment(ready)), 10);
      const r = await p;
      expect(r).to.include({ outcome: 'passed', subject: `Deployment ${NS}/api` });
      expect(r.observation).to.match(/successfully rolled out/);
    });

    it('fails at once on ProgressDeadlineExceeded, with why the pods are not ready', async () => {
      gw.put(
        deployment({
          ...ready,
          availableReplicas: 0,
          conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }],
        }),
      );
      gw.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'api-1', namespace: NS, labels: { app: 'api' } },
        status: {
          phase: 'Pending',
          containerStatuses: [
            { name: 'api', state: { waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' } } },
          ],
        },
      });
      gw.put({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e1', namespace: NS },
        involvedObject: { name: 'api-1' },
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image',
        lastTimestamp: '2026-01-01T00:00:00Z',
      });
      const r = await probes.workload.run(planOf(spec), ctxOf(gw), 60_000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(
        /exceeded its progress deadline; 1\/1 pods not ready; pod api-1 is Pending; container api waiting: ImagePullBackOff \(pull access denied\); event: Failed: Failed to pull image/,
      );
    });

    it('times out naming what is missing', async () => {
      const r = await probes.workload.run(planOf(spec), ctxOf(gw), 50);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(/^timed out after 0s: Deployment shop-drill-x\/api does not exist$/);
    });

    it('is an error, not a failure, when it may not look', async () => {
      gw.failOn('list', 'Deployment', 403);
      const r = await probes.workload.run(planOf(spec), ctxOf(gw), 60_000);
      expect(r.outcome).to.equal('error');
      expect(r.observation).to.match(/permission denied to list Deployment in namespace shop-drill-x/);
    });
  });

  describe('resource', () => {
    const cm = (name: string, data: Record<string, string>, labels = { app: 'shop' }): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NS, labels },
      data,
    });
    const cases = [
      {
        name: 'every selected object matches',
        objs: [cm('a', { mode: 'live' }), cm('b', { mode: 'live' })],
        minCount: 2,
        outcome: 'passed',
        obs: /2 ConfigMap object\(s\) match/,
      },
      {
        name: 'one mismatch is named with the difference',
        objs: [cm('a', { mode: 'live' }), cm('b', { mode: 'test' })],
        minCount: 1,
        outcome: 'failed',
        obs: /ConfigMap b: data\.mode: expected "live", found "test" \(1\/2 match/,
      },
      {
        name: 'too few objects',
        objs: [cm('a', { mode: 'live' })],
        minCount: 2,
        outcome: 'failed',
        obs: /1 ConfigMap object\(s\) found, want at least 2/,
      },
      {
        name: 'none at all',
        objs: [cm('a', { mode: 'live' }, { app: 'other' })],
        minCount: 1,
        outcome: 'failed',
        obs: /no ConfigMap shop-drill-x\/\[app=shop\] found/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        for (const o of c.objs) gw.put(o);
        const spec = {
          name: 'cm',
          kind: 'resource' as const,
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', selector: 'app=shop' },
          match: { data: { mode: 'live' } },
          minCount: c.minCount,
        };
        const r = await probes.resource.run(planOf(spec), ctxOf(gw), 50);
        expect(r.outcome).to.equal(c.outcome);
        expect(r.observation).to.match(c.obs);
      });
    }
  });

  describe('resource without a namespace (issue #12 item 3: scoped to what the restore brought back)', () => {
    const SRC = 'shop';
    const other = 'billing-drill-x';
    const cmIn = (namespace: string, name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels: { app: 'shop' } },
      data: { mode: 'live' },
    });
    const scoped = (restoredNamespaces: string[]): ProbeContext => ({ ...ctxOf(gw), restoredNamespaces });
    const selectorOnly = {
      name: 'cm',
      kind: 'resource' as const,
      ref: { apiVersion: 'v1', kind: 'ConfigMap', selector: 'app=shop' },
    };
    beforeEach(() => {
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SRC } });
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } });
    });

    it("a same-cluster drill: the source's own objects do not pass it", async () => {
      gw.put(cmIn(SRC, 'settings'));
      const r = await probes.resource.run(planOf(selectorOnly), scoped([NS]), 50);
      expect(r.outcome).to.equal('failed');
      expect(r.subject).to.equal(`ConfigMap [app=shop] in the restored namespaces (${NS})`);
      expect(r.observation).to.match(/no ConfigMap \[app=shop\] in the restored namespaces .* found \(want 1\)/);
    });

    it('passes on the restored copy', async () => {
      gw.put(cmIn(SRC, 'settings'));
      gw.put(cmIn(NS, 'settings'));
      const r = await probes.resource.run(planOf(selectorOnly), scoped([NS]), 1000);
      expect(r).to.include({ outcome: 'passed', observation: '1 ConfigMap object(s) match' });
    });

    it('counts across every restored namespace and nothing else', async () => {
      gw.put(cmIn(SRC, 'a'));
      gw.put(cmIn(SRC, 'b'));
      gw.put(cmIn(NS, 'a'));
      const needTwo = { ...selectorOnly, minCount: 2 };
      const short = await probes.resource.run(planOf(needTwo), scoped([NS, other]), 50);
      expect(short.outcome).to.equal('failed');
      expect(short.observation).to.match(/1 ConfigMap object\(s\) found, want at least 2/);
      gw.put(cmIn(other, 'b'));
      const r = await probes.resource.run(planOf(needTwo), scoped([NS, other]), 1000);
      expect(r).to.include({ outcome: 'passed', observation: '2 ConfigMap object(s) match' });
    });

    it('a mismatch across several namespaces names the namespace', async () => {
      gw.put(cmIn(NS, 'a'));
      gw.put({ ...cmIn(other, 'a'), data: { mode: 'test' } });
      const r = await probes.resource.run(
        planOf({ ...selectorOnly, match: { data: { mode: 'live' } } }),
        scoped([NS, other]),
        50,
      );
      expect(r.observation).to.match(/ConfigMap billing-drill-x\/a: data\.mode: expected "live", found "test"/);
    });

    it('a namespaced kind named without a namespace is looked for in the restored namespaces too', async () => {
      gw.put(cmIn(SRC, 'settings'));
      const spec = {
        name: 'cm',
        kind: 'resource' as const,
        ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' },
      };
      expect((await probes.resource.run(planOf(spec), scoped([NS]), 50)).outcome).to.equal('failed');
      gw.put(cmIn(NS, 'settings'));
      expect((await probes.resource.run(planOf(spec), scoped([NS]), 1000)).outcome).to.equal('passed');
    });

    it('no restored namespace to look in: FAIL, never a cluster-wide pass', async () => {
      gw.put(cmIn(SRC, 'settings'));
      const r = await probes.resource.run(planOf(selectorOnly), scoped([]), 1000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.equal('no restored namespace to look for ConfigMap in (the probe names no namespace)');
    });

    it('a cluster-scoped kind selected without a name fails: it cannot be kept to the restore', async () => {
      gw.kinds.set('example.com/v1/Widget', 'cluster');
      gw.put({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { app: 'shop' } } });
      const spec = {
        name: 'w',
        kind: 'resource' as const,
        ref: { apiVersion: 'example.com/v1', kind: 'Widget', selector: 'app=shop' },
      };
      const r = await probes.resource.run(planOf(spec), scoped([NS]), 1000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(
        /^Widget is cluster-scoped: a selector alone would match objects the restore did not bring back/,
      );
    });

    it('a named cluster-scoped object is looked up as before', async () => {
      const spec = { name: 'ns', kind: 'resource' as const, ref: { apiVersion: 'v1', kind: 'Namespace', name: SRC } };
      const r = await probes.resource.run(planOf(spec), scoped([NS]), 1000);
      expect(r).to.include({ outcome: 'passed', subject: `Namespace ${SRC}` });
    });

    it('a kind the target does not serve fails as not restored', async () => {
      const spec = {
        name: 'w',
        kind: 'resource' as const,
        ref: { apiVersion: 'example.com/v1', kind: 'Gadget', selector: 'app=shop' },
      };
      const r = await probes.resource.run(planOf(spec), scoped([NS]), 1000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(/^not in the restored copy: /);
    });
  });

  describe('pvc', () => {
    const pvc = (name: string, phase: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: NS },
      status: { phase },
    });
    const spec = { name: 'data', kind: 'pvc' as const, ref: { namespace: 'shop' } };
    it('passes when every claim is Bound', async () => {
      gw.put(pvc('a', 'Bound'));
      gw.put(pvc('b', 'Bound'));
      expect((await probes.pvc.run(planOf(spec), ctxOf(gw), 1000)).observation).to.equal('2 claim(s) Bound');
    });
    it('a Lost claim fails at once, with its newest warning', async () => {
      gw.put(pvc('a', 'Bound'));
      gw.put(pvc('b', 'Lost'));
      gw.put({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e', namespace: NS },
        involvedObject: { name: 'b' },
        type: 'Warning',
        reason: 'ClaimLost',
        message: 'volume pv-1 is gone',
      });
      const r = await probes.pvc.run(planOf(spec), ctxOf(gw), 60_000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.equal('claim b is Lost (1/2 Bound); ClaimLost: volume pv-1 is gone');
    });
    it('a Pending claim times out with what it saw', async () => {
      gw.put(pvc('a', 'Pending'));
      const r = await probes.pvc.run(planOf(spec), ctxOf(gw), 50);
      expect(r.observation).to.match(/^timed out after 0s: claim a is Pending \(0\/1 Bound\)/);
    });
  });
});
