import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolationNetworkPolicy, podSecurityLabels } from '../../src/kube/isolation-policy.js';
import type { KubeObject } from '../../src/kube/types.js';
import { isolationModifierRules } from '../../src/velero/isolation-rules.js';
import { resourceModifierConfigMap, RESOURCE_MODIFIER_KEY } from '../../src/velero/restore-config.js';
import { runDrill } from '../../src/engine/run-drill.js';
import type { DrillPlan } from '../../src/plan/types.js';
import { validateReport } from '../../src/report/validate-report.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

type Peer = { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: unknown; ipBlock?: unknown };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: Array<{ protocol: string; port: number }> };

describe('isolation: the default-deny NetworkPolicy of a scratch namespace', () => {
  const np = isolationNetworkPolicy('payments-drill-x', { key: 'dr-drill.io/drill-id', value: 'x' }, { a: 'b' });
  const spec = np.spec as { podSelector: unknown; policyTypes: string[]; ingress: Rule[]; egress: Rule[] };

  it('selects every pod of its namespace and denies both directions by default', () => {
    expect(np.metadata.namespace).to.equal('payments-drill-x');
    expect(spec.podSelector).to.deep.equal({});
    expect(spec.policyTypes).to.have.members(['Ingress', 'Egress']);
  });

  it('lets in only pods of namespaces carrying this drill id', () => {
    expect(spec.ingress).to.deep.equal([
      { from: [{ namespaceSelector: { matchLabels: { 'dr-drill.io/drill-id': 'x' } } }] },
    ]);
  });

  it("lets out only to the drill's namespaces and to kube-dns on port 53", () => {
    expect(spec.egress).to.deep.equal([
      { to: [{ namespaceSelector: { matchLabels: { 'dr-drill.io/drill-id': 'x' } } }] },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });

  it('no rule opens it: every peer is narrowed by labels, no ipBlock, no rule without peers', () => {
    for (const r of [...spec.ingress, ...spec.egress]) {
      const peers = r.from ?? r.to ?? [];
      // A rule with no from/to, or a peer with an empty selector, would allow everything.
      expect(peers, JSON.stringify(r)).to.not.be.empty;
      for (const p of peers) {
        expect(p.ipBlock).to.equal(undefined);
        expect(Object.keys(p.namespaceSelector?.matchLabels ?? {}), JSON.stringify(p)).to.not.be.empty;
      }
    }
  });

  it('copies only Pod Security labels', () => {
    expect(
      podSecurityLabels({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'kubernetes.io/metadata.name': 'payments',
        team: 'p',
      }),
    ).to.deep.equal({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
  });
});

describe('isolation: the Velero resource-modifier rules', () => {
  const rules = isolationModifierRules(['payments']);
  // Velero v1.17 decodes the ConfigMap with UnmarshalStrict: an unknown field fails the whole restore.
  const RULE_KEYS = ['conditions', 'patches', 'mergePatches', 'strategicPatches'];
  const CONDITION_KEYS = ['namespaces', 'groupResource', 'resourceNameRegex', 'labelSelector', 'matches'];

  it("are Velero's v1 format, with only the fields Velero knows, in one data key", () => {
    const cm = resourceModifierConfigMap('rm', 'velero', rules, {});
    const data = cm.data as Record<string, string>;
    expect(Object.keys(data)).to.deep.equal([RESOURCE_MODIFIER_KEY]);
    const parsed = JSON.parse(data[RESOURCE_MODIFIER_KEY]!) as { version: string; resourceModifierRules: unknown[] };
    expect(parsed.version).to.equal('v1');
    for (const r of parsed.resourceModifierRules as Array<Record<string, Record<string, unknown>>>) {
      expect(RULE_KEYS).to.include.members(Object.keys(r));
      expect(CONDITION_KEYS).to.include.members(Object.keys(r.conditions!));
      for (const p of r.mergePatches as unknown as Array<{ patchData: string }>) JSON.parse(p.patchData);
    }
  });

  it('suspend every CronJob of the source namespaces (names as in the source: modifiers run before the mapping)', () => {
    expect(rules[0]).to.deep.equal({
      conditions: { groupResource: 'cronjobs.batch', namespaces: ['payments'] },
      mergePatches: [{ patchData: '{"spec":{"suspend":true}}' }],
    });
  });

  it('turn only LoadBalancer Services into ClusterIP, dropping what only a LoadBalancer may carry', () => {
    expect(rules[1]!.conditions).to.deep.equal({
      groupResource: 'services',
      namespaces: ['payments'],
      matches: [{ path: '/spec/type', value: 'LoadBalancer' }],
    });
    const patch = JSON.parse(rules[1]!.mergePatches![0]!.patchData) as { spec: Record<string, unknown> };
    expect(patch.spec.type).to.equal('ClusterIP');
    for (const f of ['loadBalancerIP', 'loadBalancerSourceRanges', 'loadBalancerClass', 'externalTrafficPolicy'])
      expect(patch.spec, f).to.have.property(f, null);
  });
});

describe('runDrill with target.isolation (memory cluster, simulated Velero)', function () {
  this.timeout(20_000);
  const SOURCE: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'payments', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', team: 'p' } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'payments' },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'api', image: 'x' }] } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'billing', namespace: 'payments' },
      spec: { schedule: '* * * * *', jobTemplate: {} },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'public', namespace: 'payments' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }], loadBalancerSourceRanges: ['0.0.0.0/0'] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'internal', namespace: 'payments' },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'www', namespace: 'payments' },
      spec: { rules: [{ host: 'shop.example.com' }] },
    },
  ];
  let gw: MemoryGateway;
  let sim: VeleroSim;
  let dir: string;
  beforeEach(async () => {
    gw = new MemoryGateway('prod', 'https://prod');
    for (const o of SOURCE) gw.put(o);
    sim = await new VeleroSim(gw, { content: SOURCE }).start();
    sim.seedBackup('payments-daily-1', { ageMs: HOUR, schedule: 'payments-daily' });
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-isolation-'));
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (plan: DrillPlan, opts: { onRestore?: () => void } = {}) => {
    const out = await runDrill(plan, {
      clock: systemClock,
      gatewayFor: () => gw,
      reportDir: dir,
      toolVersion: 't',
      keep: true,
      onEvent: (e) => {
        if (e.phase === 'restore' && e.message.startsWith('created Restore')) opts.onRestore?.();
      },
    });
    expect(validateReport(JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8')))).to.deep.equal([]);
    return out;
  };
  const scratch = 'payments-drill-abcd1234';

  it('strict: the copy is fenced before the Restore exists, and report.isolation lists what was neutralised', async () => {
    let fencedBeforeRestore = false;
    const { report } = await run(aPlan().build(), {
      onRestore: () => {
        fencedBeforeRestore = !!gw.peek({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          namespace: scratch,
          name: 'dr-drill-isolation',
        });
      },
    });
    expect(report.verdict, report.reasons.join()).to.equal('PASS');
    expect(fencedBeforeRestore, 'NetworkPolicy in place when the Restore was created').to.equal(true);
    const ns = gw.peek({ apiVersion: 'v1', kind: 'Namespace', name: scratch })!;
    expect(ns.metadata.labels).to.include({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'dr-drill.io/drill-id': 'abcd1234',
    });
    expect(ns.metadata.labels).to.not.have.property('team');
    const cj = gw.peek({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: scratch, name: 'billing' })!;
    expect(cj.spec?.suspend).to.equal(true);
    const lb = gw.peek({ apiVersion: 'v1', kind: 'Service', namespace: scratch, name: 'public' })!;
    expect(lb.spec?.type).to.equal('ClusterIP');
    expect(lb.spec).to.not.have.property('loadBalancerSourceRanges');
    expect(gw.peek({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: scratch, name: 'www' })).to.equal(
      null,
    );
    expect(report.isolation).to.deep.equal({
      mode: 'strict',
      networkPolicies: [`${scratch}/dr-drill-isolation`],
      cronJobsSuspended: [`${scratch}/billing`],
      servicesMadeClusterIP: [`${scratch}/public`],
      ingressesLeftOut: ['payments/www'],
      podSecurityLabels: { [scratch]: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      notes: [],
    });
  });

  it('none: restored as the backup holds it, and the report says so', async () => {
    const plan = aPlan().build();
    plan.target.isolation = 'none';
    const { report } = await run(plan);
    expect(report.isolation?.mode).to.equal('none');
    expect(gw.peek({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: scratch, name: 'billing' })!.spec?.suspend).to
      .be.undefined;
    expect(
      gw.peek({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: scratch, name: 'www' }),
    ).to.not.equal(null);
    expect(gw.all('NetworkPolicy')).to.deep.equal([]);
  });

  it('claims only what it read back: a CronJob that came back running is a note and a warning, not "suspended"', async () => {
    // Something outside the drill's rules (here: the test) unsuspends the CronJob as soon as it is restored.
    const plan = aPlan().build();
    const { report } = await run(plan, {
      onRestore: () => {
        const stop = setInterval(() => {
          const ref = { apiVersion: 'batch/v1', kind: 'CronJob', namespace: scratch, name: 'billing' };
          if (gw.peek(ref)) {
            gw.update(ref, (o) => void (o.spec = { ...o.spec, suspend: false }));
            clearInterval(stop);
          }
        }, 5);
      },
    });
    expect(report.isolation!.cronJobsSuspended).to.deep.equal([]);
    expect(report.isolation!.notes.join()).to.contain(`CronJob ${scratch}/billing was restored without suspend`);
    expect(report.warnings.join()).to.contain('isolation: CronJob');
  });
});
