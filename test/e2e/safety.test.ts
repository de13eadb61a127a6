/**
 * A drill never harms what it protects, against the real local environment: restores known to harm the source
 * are refused before any Restore exists, a drill made to touch a pre-existing object ends ERROR with that
 * object in report.blastRadius, and a scratch copy beside the live workload is fenced in (strict isolation).
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

const PRIMARY = 'dr-drill-primary';
const NS = 'e2e-harm';
const PV = 'e2e-harm-pv';
const ISO = 'e2e-iso';

let env: E2eEnv;
let reportDir: string;

type Phased = { items: Array<{ metadata: { name: string }; status?: { phase?: string }; spec?: Record<string, any> }> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const restores = async () =>
  (await kubectlJson<Phased>(env, PRIMARY, ['-n', 'velero', 'get', 'restores'])).items.length;
const claimPhase = async () =>
  (await kubectlJson<Phased>(env, PRIMARY, ['-n', NS, 'get', 'pvc'])).items.map((p) => p.status?.phase);

/** A namespace whose PVC is bound to a Retain hostPath PV: what Velero restores as-is when it has no snapshot. */
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
      storageClassName: 'manual',
      hostPath: { path: '/var/lib/dr-drill-e2e/harm' },
      claimRef: { namespace: NS, name: 'data' },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'manual',
      volumeName: PV,
      resources: { requests: { storage: '1Gi' } },
    },
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { mode: 'live' } },
];

const drill = (name: string, restore: Record<string, unknown>) =>
  scenario(name, {
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: [NS], ttl: '1h', timeout: '3m' } },
    target: { namespace: {} },
    restore: { includedNamespaces: [NS], timeout: '3m', ...restore },
    probes: [
      {
        name: 'settings',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' },
      },
    ],
  });

describe('e2e: a drill never harms what it protects', function () {
  this.timeout(15 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('safety');
    await ensureBuilt();
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], workload.map((o) => stringify(o)).join('---\n'));
    await kubectl(env, PRIMARY, [
      '-n',
      NS,
      'wait',
      '--for=jsonpath={.status.phase}=Bound',
      'pvc/data',
      '--timeout=60s',
    ]);
  });

  after(async function () {
    if (!env) return;
    await kubectl(env, PRIMARY, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=true']).catch(
      () => undefined,
    );
    await kubectl(env, PRIMARY, ['delete', 'pv', PV, '--ignore-not-found']).catch(() => undefined);
    await kubectl(env, PRIMARY, ['delete', 'namespace', ISO, '--ignore-not-found', '--wait=true']).catch(
      () => undefined,
    );
  });

  it('a. existingResourcePolicy update into the source cluster is refused (exit 2) by plan and run, before any Restore; the source PVC stays Bound', async () => {
    const before = await restores();
    const sc = drill('e2e-harm-update', { existingResourcePolicy: 'update' });
    const planned = await cli(['--kubeconfig', env.kubeconfig, 'plan', writeScenario(reportDir, sc)]);
    expect(planned.exitCode, planned.stdout + planned.stderr).to.equal(2);
    expect(planned.stdout).to.match(/REFUSED restore cannot harm the source: .*UPDATE_IN_SOURCE_CLUSTER/);
    expect(planned.stdout).to.contain('restore.allowClusterScopedUpdates: true');

    const run = await runDrillCli(env, sc, reportDir);
    expect(run.exitCode, run.stderr).to.equal(2);
    const reasons = run.report!.reasons.join('\n');
    expect(reasons).to.contain('UPDATE_IN_SOURCE_CLUSTER').and.contain(`PersistentVolume ${PV}`);
    expect(reasons).to.contain(`PersistentVolume ${PV} (claim ${NS}/data) would be restored as-is`);
    expect(run.report!.blastRadius).to.equal(null);
    expect(await restores()).to.equal(before);
    expect(await claimPhase()).to.deep.equal(['Bound']);
  });

  it('b. the same restore with update opted in on the cluster-scoped PV: Velero writes the source PV, and the drill ends ERROR with it in report.blastRadius', async () => {
    const sc = drill('e2e-harm-optin', {
      existingResourcePolicy: 'update',
      allowClusterScopedUpdates: true,
      allowSharedVolumeAssets: true,
      // The hostPath volume has no data copy by design: the point here is the object, not its bytes.
      volumeData: 'metadata-only',
    });
    const run = await runDrillCli(env, sc, reportDir);
    const why = `exit ${run.exitCode}\n${run.report?.reasons.join('\n')}\n${JSON.stringify(run.report?.blastRadius)}\n${run.stderr}`;
    expect(run.report, why).to.not.equal(null);
    expect(run.report!.verdict, why).to.equal('ERROR');
    expect(run.exitCode, why).to.equal(3);
    const blast = run.report!.blastRadius!;
    expect(blast.checked, why).to.be.greaterThan(0);
    const pv = blast.changed.find((c) => c.kind === 'PersistentVolume' && c.name === PV);
    expect(pv, why).to.not.equal(undefined);
    expect(pv!.namespace).to.equal(null);
    expect(pv!.what).to.not.equal('');
    expect(run.report!.reasons.join('\n')).to.match(
      new RegExp(`the drill changed \\d+ object\\(s\\) it does not own: .*PersistentVolume ${PV} \\(`),
    );
    // The drill was let through with a warning, not refused: the Restore ran and was torn down.
    expect(run.report!.reasons.join('\n')).to.not.contain('UPDATE_IN_SOURCE_CLUSTER');
  });

  it('c. strict isolation, the default of a namespace target: the restored copy has a default-deny NetworkPolicy open only to its own namespaces and DNS, its CronJob suspended, no LoadBalancer, no Ingress, the Pod Security labels', async () => {
    const live = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ISO, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ISO }, data: { mode: 'live' } },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'billing', namespace: ISO },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: { restartPolicy: 'Never', containers: [{ name: 'b', image: 'busybox', command: ['true'] }] },
              },
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'public', namespace: ISO },
        spec: { type: 'LoadBalancer', selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'www', namespace: ISO },
        spec: {
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'public', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ];
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], live.map((o) => stringify(o)).join('---\n'));
    const sc = scenario('e2e-isolation', {
      source: { kubeContext: PRIMARY },
      backup: { create: { includedNamespaces: [ISO], ttl: '1h', timeout: '3m' } },
      // No isolation field: strict is what a namespace target gets by default.
      target: { namespace: {} },
      restore: { includedNamespaces: [ISO], timeout: '3m' },
      probes: [
        {
          name: 'settings',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ISO, name: 'settings' },
        },
      ],
    });
    const run = await runDrillCli(env, sc, reportDir, ['--keep']);
    const scratch = run.report!.target.namespaceMapping[ISO]!;
    try {
      expect(run.exitCode, run.report!.reasons.join('\n')).to.equal(0);
      const iso = run.report!.isolation!;
      expect(iso).to.deep.include({
        mode: 'strict',
        networkPolicies: [`${scratch}/dr-drill-isolation`],
        cronJobsSuspended: [`${scratch}/billing`],
        servicesMadeClusterIP: [`${scratch}/public`],
        ingressesLeftOut: [`${ISO}/www`],
        notes: [],
      });
      const get = <T>(kind: string, name: string) =>
        kubectlJson<T>(env, PRIMARY, ['-n', scratch, 'get', kind, name]).catch(() => null);
      const np = await get<{ metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }>(
        'networkpolicy',
        'dr-drill-isolation',
      );
      // The policy as the API server stores it (defaults filled in): every pod, both directions, and the only peers
      // are the namespaces carrying this drill's id (the scratch copy itself) and kube-dns on port 53.
      const ownNamespaces = { namespaceSelector: { matchLabels: { 'dr-drill.io/drill-id': run.drillId } } };
      expect(np?.spec).to.deep.equal({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [ownNamespaces] }],
        egress: [
          { to: [ownNamespaces] },
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
        ],
      });
      expect(np?.metadata.labels).to.include({ 'dr-drill.io/drill-id': run.drillId });
      // Only the scratch namespace carries the drill id: the live namespace is no peer of the copy.
      const peers = await kubectlJson(env, PRIMARY, ['get', 'namespaces', '-l', `dr-drill.io/drill-id=${run.drillId}`]);
      expect(peers.items.map((n) => n.metadata.name)).to.deep.equal([scratch]);
      expect((await get<{ spec: { suspend: boolean } }>('cronjob', 'billing'))?.spec.suspend).to.equal(true);
      expect((await get<{ spec: { type: string } }>('service', 'public'))?.spec.type).to.equal('ClusterIP');
      expect(await get('ingress', 'www'), 'the Ingress was left out').to.equal(null);
      const ns = await kubectlJson<{ metadata: { labels: Record<string, string> } }>(env, PRIMARY, [
        'get',
        'namespace',
        scratch,
      ]);
      expect(ns.metadata.labels).to.include({ 'pod-security.kubernetes.io/enforce': 'baseline' });
      // The live workload is left as it was.
      expect(
        (await kubectlJson<{ spec: { type: string } }>(env, PRIMARY, ['-n', ISO, 'get', 'service', 'public'])).spec
          .type,
      ).to.equal('LoadBalancer');
    } finally {
      const clean = await cli([
        '--kubeconfig',
        env.kubeconfig,
        'cleanup',
        '--drill-id',
        run.report!.drillId,
        '--context',
        PRIMARY,
      ]);
      expect(clean.exitCode, clean.stdout + clean.stderr).to.equal(0);
    }
    await kubectl(env, PRIMARY, ['wait', '--for=delete', `namespace/${scratch}`, '--timeout=120s']).catch(
      () => undefined,
    );
    expect(await kubectl(env, PRIMARY, ['get', 'namespace', scratch, '--ignore-not-found'])).to.equal('');
  });
});
