/**
 * Cross-region readiness against the real local environment: a workload in primary whose volume is pinned to a
 * primary-only storage class and zone, restored into dr (other classes, other zones). Without mappings plan
 * warns and the drill FAILs the way a real region would (pod Pending on a volume node affinity conflict); with
 * storageClassMapping and zones.map Velero's change-storage-class action and the generated resource modifiers
 * make it PASS, and teardown removes the drill's Velero ConfigMaps.
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import {
  cli,
  ensureBuilt,
  kubectl,
  kubectlJson,
  runDrillCli,
  scenario,
  tempDir,
  writeScenario,
} from './support/drill.js';
import { validateReport } from '../../src/report/validate-report.js';

const PRIMARY = 'dr-drill-primary';
const DR = 'dr-drill-dr';
const NS = 'zones-app';
const PV = 'zones-app-pv';
const LABEL = 'dr-drill.io/drill-id';

let env: E2eEnv;
let reportDir: string;

const ZONE = 'topology.kubernetes.io/zone';
const workload = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: PV },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'fast-primary',
      hostPath: { path: '/var/lib/dr-drill-e2e/zones-app' },
      claimRef: { namespace: NS, name: 'data' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['local-primary-1'] }] }],
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast-primary',
      volumeName: PV,
      resources: { requests: { storage: '1Gi' } },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'zones' } },
      template: {
        metadata: { labels: { app: 'zones' } },
        spec: {
          nodeSelector: { [ZONE]: 'local-primary-1' },
          containers: [
            { name: 'app', image: 'registry.example/zones:1.0', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        },
      },
    },
  },
];

const drill = (name: string, restore: Record<string, unknown>, probeTimeout: string) =>
  scenario(name, {
    objectives: { rto: '10m', rpo: '24h' },
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: [NS], ttl: '1h', timeout: '3m' } },
    target: { cluster: { kubeContext: DR } },
    // This drill is about classes and zones, not data: its hostPath volume is never backed up by Velero.
    restore: { includedNamespaces: [NS], timeout: '5m', volumeData: 'metadata-only', ...restore },
    probes: [
      {
        name: 'app-ready',
        kind: 'workload',
        ref: { kind: 'Deployment', namespace: NS, name: 'app' },
        timeout: probeTimeout,
      },
      { name: 'claim-bound', kind: 'pvc', ref: { namespace: NS, name: 'data' }, timeout: probeTimeout },
    ],
  });

async function waitPrimaryReady(): Promise<void> {
  await kubectl(env, PRIMARY, ['-n', NS, 'rollout', 'status', 'deployment/app', '--timeout=120s']);
}

async function drillConfigMaps(drillId: string): Promise<string[]> {
  return (await kubectlJson(env, DR, ['-n', 'velero', 'get', 'configmaps', '-l', `${LABEL}=${drillId}`])).items.map(
    (c) => c.metadata.name,
  );
}

describe('e2e: cross-region readiness (storage classes and zones)', function () {
  this.timeout(20 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('zones');
    await ensureBuilt();
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], workload.map((o) => stringify(o)).join('---\n'));
    await waitPrimaryReady();
  });

  after(async function () {
    if (!env) return;
    await kubectl(env, PRIMARY, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=true']).catch(
      () => undefined,
    );
    await kubectl(env, PRIMARY, ['delete', 'pv', PV, '--ignore-not-found']).catch(() => undefined);
  });

  it('i. without mappings: plan warns about the class and the zone, and the drill FAILs on the Pending pod', async () => {
    const sc = drill('zones-unmapped', {}, '40s');
    const file = writeScenario(reportDir, sc);
    const plan = await cli(['--kubeconfig', env.kubeconfig, 'plan', file, '--output', 'json']);
    const out = JSON.parse(plan.stdout) as { preflight: Array<{ name: string; status: string; detail: string }> };
    const warns = out.preflight.filter((c) => c.status === 'warn').map((c) => c.detail);
    expect(warns.join('\n'), plan.stdout).to.match(
      /storage class fast-primary \(PVC zones-app\/data, PV zones-app-pv\) does not exist in dr-drill-dr; add spec\.restore\.storageClassMapping: \{fast-primary: <one of [^>]*\bfast-dr\b[^>]*>\}/,
    );
    expect(warns.join('\n')).to.match(
      /zone local-primary-1 \(node affinity or nodeSelector of .*PV zones-app-pv.*\) is not a zone of dr-drill-dr's nodes \(local-dr-1, local-dr-2\).*zones\.map: \{local-primary-1: /,
    );

    const run = await runDrillCli(env, sc, reportDir);
    expect(run.exitCode, run.stderr).to.equal(1);
    const r = run.report!;
    expect(validateReport(r)).to.deep.equal([]);
    expect(r.verdict).to.equal('FAIL');
    // The same warnings, recorded at prepare-target so a nightly run shows them.
    expect(r.warnings.filter((w) => /does not exist in|is not a zone of/.test(w))).to.have.length(2);
    const probe = r.probes.find((p) => p.name === 'app-ready')!;
    expect(probe.outcome).to.equal('failed');
    expect(probe.lastObservation, JSON.stringify(r.probes)).to.match(
      /node affinity|didn't match|Pending|Unschedulable/i,
    );
    expect(r.restore.crossRegion).to.equal(null);
    expect(r.teardown.leftBehind).to.deep.equal([]);
  });

  it('ii. with storageClassMapping and zones.map: PASS, the restored PV and PVC carry the target class and zone, ConfigMaps removed', async () => {
    const sc = drill(
      'zones-mapped',
      { storageClassMapping: { 'fast-primary': 'fast-dr' }, zones: { map: { 'local-primary-1': 'local-dr-1' } } },
      '3m',
    ) as { spec: { probes: object[] } };
    sc.spec.probes.push(
      {
        name: 'pv-in-dr-zone',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'PersistentVolume', name: PV },
        match: {
          spec: {
            storageClassName: 'fast-dr',
            nodeAffinity: {
              required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, values: ['local-dr-1'] }] }] },
            },
          },
        },
      },
      {
        name: 'pvc-in-dr-class',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: NS, name: 'data' },
        match: { spec: { storageClassName: 'fast-dr' }, status: { phase: 'Bound' } },
      },
      {
        name: 'pod-in-dr-zone',
        kind: 'resource',
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'app' },
        match: { spec: { template: { spec: { nodeSelector: { [ZONE]: 'local-dr-1' } } } } },
      },
    );
    const file = writeScenario(reportDir, sc);
    const plan = await cli(['--kubeconfig', env.kubeconfig, 'plan', file, '--output', 'json']);
    const out = JSON.parse(plan.stdout) as { preflight: Array<{ name: string; status: string; detail: string }> };
    expect(
      out.preflight.filter((c) => c.status === 'warn'),
      plan.stdout,
    ).to.deep.equal([]);
    expect(out.preflight.find((c) => c.name === 'cross-region readiness')?.status).to.equal('ok');

    const run = await runDrillCli(env, sc, reportDir);
    expect(run.exitCode, `${run.stderr}\n${JSON.stringify(run.report?.probes, null, 1)}`).to.equal(0);
    const r = run.report!;
    expect(validateReport(r)).to.deep.equal([]);
    expect(r.verdict).to.equal('PASS');
    expect(r.warnings.filter((w) => /does not exist in|is not a zone of/.test(w))).to.deep.equal([]);
    expect(r.restore.crossRegion).to.deep.include({
      zoneMap: { 'local-primary-1': 'local-dr-1' },
      dropNodeAffinity: false,
    });
    expect(r.restore.crossRegion!.storageClassConfigMap).to.include({ ownedByDrill: true });
    expect(r.restore.crossRegion!.storageClassConfigMap!.mapping).to.deep.equal({ 'fast-primary': 'fast-dr' });
    expect(r.restore.crossRegion!.resourceModifierConfigMap!.generatedRules).to.equal(4); // PV, Deployment, ReplicaSet, Pod
    expect(r.teardown.deleted.filter((d) => d.startsWith('ConfigMap velero/'))).to.have.length(2);
    expect(await drillConfigMaps(run.drillId!)).to.deep.equal([]);
    const ns = await kubectlJson(env, DR, ['get', 'namespaces', '-l', `${LABEL}=${run.drillId}`]);
    expect(ns.items).to.deep.equal([]);
  });
});
