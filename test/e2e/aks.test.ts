/**
 * An aks drill end to end on this machine: fake ARM (HTTPS) → the fake's credentials are the local `dr`
 * cluster's kubeconfig → Velero rendered by the real velero CLI (`velero install --dry-run`) and applied for real
 * into its own namespace `velero-aks` (validated by the API server) → kwok runs no containers, so this harness
 * plays the kubelet: it starts a host `velero server` for that namespace from the Deployment's args and the
 * Secret the install created → BSL Available, backup synced, restore, probes → delete (fake ARM). See
 * docs/aks-target.md for what that leaves unproven.
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FAKE_ARM_TOKEN, FakeArm, localDrKubeconfig } from '../support/fake-arm/server.js';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import { AZURITE_KEY } from '../../src/local/layout.js';
import { renderWithCli } from '../../src/velero/install.js';
import { dataPathInstall } from '../../src/velero/data-path.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const SUB = '00000000-0000-0000-0000-0000000000e2';
const VNS = 'velero-aks';

/**
 * The kubelet's part for the installed Deployment: once the install's Secret and Deployment exist, runs the real
 * velero server on this host with the Deployment's args and the Secret's credentials file, for namespace VNS.
 */
async function runInstalledVelero(env: E2eEnv, dir: string, done: () => boolean): Promise<ChildProcess | null> {
  const kubectl = (args: string[]) =>
    run(env.bin.path('kubectl'), ['--kubeconfig', env.kubeconfig, '--context', env.contexts.dr, '-n', VNS, ...args])
      .then((r) => r.stdout)
      .catch(() => '');
  for (;;) {
    if (done()) return null;
    const cloud = await kubectl(['get', 'secret', 'cloud-credentials', '-o', 'jsonpath={.data.cloud}']);
    const args = await kubectl([
      'get',
      'deployment',
      'velero',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].args}',
    ]);
    if (cloud && args) {
      const creds = join(dir, 'installed-cloud');
      writeFileSync(creds, Buffer.from(cloud, 'base64'), { mode: 0o600 });
      const scratch = join(dir, 'scratch');
      mkdirSync(scratch, { recursive: true });
      const log = openSync(join(dir, 'velero-aks.log'), 'a');
      return spawn(
        env.bin.path('velero'),
        [
          ...(JSON.parse(args) as string[]),
          '--kubeconfig',
          env.kubeconfig,
          '--kubecontext',
          env.contexts.dr,
          '--namespace',
          VNS,
          '--plugin-dir',
          env.bin.pluginDir,
          '--metrics-address',
          '127.0.0.1:0',
          '--profiler-address',
          '127.0.0.1:0',
        ],
        {
          env: { ...process.env, AZURE_CREDENTIALS_FILE: creds, VELERO_NAMESPACE: VNS, VELERO_SCRATCH_DIR: scratch },
          stdio: ['ignore', log, log],
        },
      );
    }
    await sleep(500);
  }
}

describe('e2e: aks target (fake ARM + local dr cluster)', function () {
  this.timeout(600_000);
  it('the real velero CLI renders node-agent and EnableCSI for a backup whose data moved through node-agent', async () => {
    const env = await ensureLocalEnv();
    const r = await renderWithCli(
      {
        namespace: VNS,
        image: 'velero/velero:v1.17.2',
        pluginImage: 'velero/velero-plugin-for-microsoft-azure:v1.13.2',
        bslName: 'dr-drill-e2e',
        storage: {
          container: 'velero',
          prefix: null,
          storageAccount: env.azurite.account,
          resourceGroup: 'local',
          subscriptionId: SUB,
          storageAccountUri: null,
          caCertPem: null,
        },
        credentials: { workloadIdentityClientId: 'cid-e2e' },
        labels: { 'dr-drill.io/installed-by': 'e2e' },
        dataPath: dataPathInstall({
          podVolumeBackups: 1,
          dataMoverUploads: 1,
          csiSnapshots: 0,
          nativeSnapshots: 0,
          blockVolumes: ['pv-block'],
          basis: 'volume-info',
        }),
      },
      env.bin.path('velero'),
    );
    type Pod = {
      spec: {
        template: { spec: { containers: Array<{ args: string[]; securityContext?: { privileged?: boolean } }> } };
      };
    };
    const ds = r.objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'node-agent') as unknown as
      Pod | undefined;
    expect(ds, r.objects.map((o) => o.kind).join(', ')).to.not.equal(undefined);
    expect(ds!.spec.template.spec.containers[0]!.args).to.deep.equal(['node-agent', 'server', '--features=EnableCSI']);
    expect(ds!.spec.template.spec.containers[0]!.securityContext?.privileged).to.equal(true);
    const dep = r.objects.find((o) => o.kind === 'Deployment') as unknown as Pod;
    expect(dep.spec.template.spec.containers[0]!.args).to.include('--features=EnableCSI');
    expect(r.objects.filter((o) => o.kind === 'VolumeSnapshotLocation')).to.deep.equal([]);
  });

  it('provisions, installs Velero with the velero CLI, restores, probes and deletes the cluster', async () => {
    const env = await ensureLocalEnv();
    const full = localDrKubeconfig();
    if (!full) throw new Error('no local dr kubeconfig');
    // The fake hands out the dr cluster's kubeconfig, current context dr-drill-dr (as an AKS admin kubeconfig would).
    const kubeconfig = full!.replace(/current-context:.*/, `current-context: ${env.contexts.dr}`);
    const fake = await new FakeArm({ kubeconfig }).start();
    const dir = mkdtempSync(join(tmpdir(), 'aks-e2e-'));
    const creds = join(dir, 'cloud');
    writeFileSync(creds, `AZURE_CLOUD_NAME=AzurePublicCloud\nAZURE_STORAGE_ACCOUNT_ACCESS_KEY=${AZURITE_KEY}\n`, {
      mode: 0o600,
    });
    const scenario = join(dir, 'aks.yaml');
    writeFileSync(
      scenario,
      `apiVersion: dr-drill/v1
kind: Scenario
metadata: { name: aks-e2e }
spec:
  objectives: { rto: 30m, rpo: 26h }
  source: { kubeContext: ${env.contexts.primary} }
  backup: { create: { includedNamespaces: [shop] } }
  target:
    aks:
      subscriptionId: ${SUB}
      resourceGroup: rg-aks-e2e
      createResourceGroup: true
      location: swedencentral
      veleroNamespace: ${VNS}
      velero:
        install: always
        installer: cli
        bslName: dr-drill-e2e
        storage: { container: velero, storageAccount: ${env.azurite.account}, resourceGroup: local, storageAccountUri: ${env.azurite.url}, caCertFile: ${env.azurite.caCert} }
        credentials: { secretFile: ${creds} }
        timeout: 3m
  restore: { timeout: 5m, volumeData: metadata-only }
  probes:
    - { name: web, kind: workload, ref: { kind: Deployment, namespace: shop, name: web }, timeout: 2m }
    - { name: config, kind: resource, ref: { apiVersion: v1, kind: ConfigMap, namespace: shop, name: shop-config } }
`,
    );
    let drillDone = false;
    let server: ChildProcess | null = null;
    try {
      const drill = run(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/bin.ts',
          'run',
          scenario,
          '--kubeconfig',
          env.kubeconfig,
          '--report-dir',
          join(dir, 'reports'),
          '--output',
          'json',
        ],
        { cwd: root, env: { ...process.env, ...fake.env(), DR_DRILL_VELERO_BIN: env.bin.path('velero') } },
      )
        .catch((e) => e)
        .finally(() => {
          drillDone = true;
        });
      server = await runInstalledVelero(env, dir, () => drillDone);
      const r = await drill;
      const report = JSON.parse(r.stdout);
      expect(report.verdict, `${JSON.stringify(report.reasons)}\n${r.stderr}`).to.equal('PASS');
      const provision = report.phases.find((p: { name: string }) => p.name === 'provision-target');
      expect(provision.outcome, JSON.stringify(report.reasons)).to.equal('succeeded');
      expect(report.target.veleroInstall).to.include({ performed: true, method: 'cli', cliVersion: 'v1.17.2' });
      expect(report.target.veleroNamespace).to.equal(VNS);
      expect(report.teardown.deleted).to.include('ManagedCluster rg-aks-e2e/dr-drill-' + report.drillId);
      expect(report.warnings.some((w: string) => w.startsWith('estimated AKS cost'))).to.equal(true);
      expect(JSON.stringify(report)).to.not.contain(FAKE_ARM_TOKEN);
      expect(JSON.stringify(report)).to.not.contain(AZURITE_KEY);
      expect(fake.clusters.size).to.equal(0);
      const access = await run(env.bin.path('kubectl'), [
        '--kubeconfig',
        env.kubeconfig,
        '--context',
        env.contexts.dr,
        '-n',
        VNS,
        'get',
        'backupstoragelocation',
        'dr-drill-e2e',
        '-o',
        'jsonpath={.spec.accessMode}',
      ]);
      expect(access.stdout, 'the installed BSL never writes to the source storage').to.equal('ReadOnly');
      expect(
        readFileSync(join(dir, 'velero-aks.log'), 'utf8'),
        'the restore was done by the installed Velero',
      ).to.contain(`dr-drill-${report.drillId}`);
      // Deleting a real AKS cluster takes what was restored with it; here the "cluster" is the shared dr cluster,
      // so its restored namespace must be gone before other tests restore into dr.
      const cleaned = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/bin.ts',
          'cleanup',
          '--drill-id',
          report.drillId,
          '--kubeconfig',
          env.kubeconfig,
          '--context',
          env.contexts.dr,
        ],
        { cwd: root },
      ).catch((e) => e);
      expect(cleaned.code ?? 0, `${cleaned.stdout}${cleaned.stderr}`).to.equal(0);
    } finally {
      drillDone = true;
      // A failed run still must not leave restored objects in the shared dr cluster: the Restore that lists them
      // lives in VNS, so cleanup runs while it (and the installed server, for its finalizer) still exist.
      await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/bin.ts',
          'cleanup',
          '--all',
          '--kubeconfig',
          env.kubeconfig,
          '--context',
          env.contexts.dr,
        ],
        { cwd: root },
      ).catch(() => {});
      // What the install applied to the shared dr cluster: its namespace (with the BSL, the synced Backups and the
      // Deployment) and the ClusterRoleBinding. The server stays up until the namespace is gone (finalizers).
      const kubectl = (args: string[]) =>
        run(env.bin.path('kubectl'), ['--kubeconfig', env.kubeconfig, '--context', env.contexts.dr, ...args]).catch(
          () => {},
        );
      await kubectl(['delete', 'namespace', VNS, '--ignore-not-found', '--timeout=120s']);
      await kubectl(['delete', 'clusterrolebinding', `velero-${VNS}`, '--ignore-not-found']);
      server?.kill('SIGTERM');
      await fake.stop();
    }
  });
});
